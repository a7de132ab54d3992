/** Reading a run's output tables back as sorted, comparable rows. */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { batchToRows } from '../../schemas/arrow.js';
import { readParquetTable } from '../../pipeline/parquet.js';

/** Every row of `<runDir>/<dir>/*.parquet` whose file name matches, as sorted JSON strings; binaries become sha256, `drop` columns are removed. */
export async function sortedRows(
  runDir: string,
  dir: string,
  opts: { match?: RegExp; drop?: string[] } = {},
): Promise<string[]> {
  const files = (await readdir(join(runDir, dir))).filter(
    (f) => f.endsWith('.parquet') && (opts.match ? opts.match.test(f) : true),
  );
  const out: string[] = [];
  for (const f of files) {
    const table = readParquetTable(await readFile(join(runDir, dir, f)));
    for (const b of table.batches) {
      for (const r of batchToRows(b)) {
        for (const d of opts.drop ?? []) delete r[d];
        for (const [k, v] of Object.entries(r))
          if (v instanceof Uint8Array) r[k] = createHash('sha256').update(v).digest('hex');
        out.push(JSON.stringify(r));
      }
    }
  }
  return out.sort();
}
