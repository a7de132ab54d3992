/**
 * `flywheel inspect` on a folder: an export (its `metadata.json`: dataset id, round, rows, what was
 * left out and where its reasons are, rows by source) or any folder of Parquet files (a stage's
 * output), with each data file's row count read from its footer alone, then the first file as
 * `inspectParquet` shows it.
 */
import { existsSync, openAsBlob } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ExportMetadata, exportName } from '../jobs/export/export-metadata.js';
import { parquetRowCount } from '../pipeline/parquet.js';
import { inspectParquet } from './inspect-parquet.js';

/** The clips with errors and where their causes are; nothing for an export written before exports listed them. */
function errorsPart(m: Partial<Pick<ExportMetadata, 'errors' | 'errors_file'>>): string {
  return m.errors === undefined ? '' : `${m.errors} clips with errors, with their causes in ${m.errors_file ?? '?'}; `;
}

/** The export's own summary, from its `metadata.json`. */
function exportSummary(m: ExportMetadata): string[] {
  const bySource = Object.entries(m.by_source)
    .sort(([, a], [, b]) => b - a)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  return [
    `export ${m.schema_version}, ${exportName(m)}, dataset ${m.dataset_id}`,
    `rows: ${m.rows} (${m.dropped} dropped, with their reasons in ${m.dropped_file}; ${errorsPart(m)}${m.heldout_excluded} held-out excluded)`,
    `by source: ${bySource}`,
    `by origin: ${Object.entries(m.by_origin)
      .sort(([, a], [, b]) => b - a)
      .map(([o, n]) => `${o} ${n}`)
      .join(', ')}`,
  ];
}

/** Text for `flywheel inspect <dir>`. Throws naming the folder when it holds no Parquet file. */
export async function inspectDir(dir: string, rows: number): Promise<string> {
  const out: string[] = [dir];
  const metadata = join(dir, 'metadata.json');
  const exported = existsSync(metadata) ? (JSON.parse(await readFile(metadata, 'utf8')) as ExportMetadata) : undefined;
  if (exported) out.push(...exportSummary(exported));
  // an export's data files are the ones its metadata lists (its dropped clips' file is not data)
  const files = exported
    ? exported.files.map((f) => f.name)
    : (await readdir(dir)).filter((f) => f.endsWith('.parquet')).sort();
  if (files.length === 0) throw new Error(`${dir} holds no .parquet file`);
  let total = 0;
  const counts: string[] = [];
  for (const f of files) {
    let n: number;
    try {
      n = await parquetRowCount(await openAsBlob(join(dir, f)));
    } catch (e) {
      throw new Error(`${join(dir, f)} is not a readable Parquet file (${(e as Error).message})`, { cause: e });
    }
    total += n;
    counts.push(`  ${f}  ${n}`);
  }
  out.push(`files: ${files.length}, ${total} rows in all`, ...counts, '');
  const first = join(dir, files[0]);
  return `${out.join('\n')}\n${await inspectParquet(first, new Uint8Array(await readFile(first)), rows)}`;
}
