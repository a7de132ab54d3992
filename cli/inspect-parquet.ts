/** A human-readable summary of a Parquet file: schema, row count, first rows. */
import * as pq from 'parquet-wasm';
import { tableFromIPC } from 'apache-arrow';
import { batchToRows, typeName } from '../schemas/arrow.js';
import { parquetRowCount } from '../pipeline/parquet.js';

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`.slice(0, 80);
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Text for `flywheel inspect`. Throws a clear error when the bytes are not Parquet. */
export async function inspectParquet(name: string, bytes: Uint8Array, rows: number): Promise<string> {
  let table;
  let total: number;
  try {
    table = tableFromIPC(pq.readParquet(bytes, { limit: Math.max(rows, 1) }).intoIPCStream());
    total = await parquetRowCount(new Blob([bytes]));
  } catch (e) {
    throw new Error(`${name} is not a readable Parquet file (${(e as Error).message})`, { cause: e });
  }
  const out: string[] = [name, `rows: ${total}`, 'schema:'];
  for (const f of table.schema.fields) out.push(`  ${f.name}: ${typeName(f.type)}${f.nullable ? ' (nullable)' : ''}`);
  const shown = table.batches.flatMap((b) => batchToRows(b)).slice(0, rows);
  if (shown.length) {
    out.push(`first ${shown.length} rows:`);
    for (const r of shown)
      out.push(
        `  { ${Object.entries(r)
          .map(([k, v]) => `${k}: ${show(v)}`)
          .join(', ')} }`,
      );
  }
  return `${out.join('\n')}\n`;
}
