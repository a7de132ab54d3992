/**
 * Manifest readers: clips from Parquet, CSV or JSON Lines, validated row by row. A malformed row
 * becomes an `errors` row (naming file and row number) instead of stopping the job.
 */
import { access } from 'node:fs/promises';
import { extname } from 'node:path';
import { readCsvRows } from './csv.js';
import { readJsonlRows } from './jsonl.js';
import { readParquetRows } from './parquet.js';
import type { RawRow } from './raw.js';
import { type ManifestItem, ManifestValidator } from './validate.js';

export {
  type ClipIdIndex,
  type ManifestItem,
  ManifestValidator,
  MANIFEST_STAGE,
  MemoryClipIdIndex,
} from './validate.js';
export type { RawRow } from './raw.js';
export { csvRecords } from './csv.js';

/** Manifest file formats, chosen by extension. */
export const manifestFormats = {
  '.parquet': readParquetRows,
  '.csv': readCsvRows,
  '.jsonl': readJsonlRows,
  '.ndjson': readJsonlRows,
} as const;

/** Raw rows of a manifest file, by extension; throws a clear error for an unknown extension or unreadable file. */
export async function* readRawRows(path: string): AsyncIterable<RawRow> {
  const ext = extname(path).toLowerCase() as keyof typeof manifestFormats;
  const reader = manifestFormats[ext];
  if (!reader)
    throw new Error(`manifest ${path}: unknown format ${JSON.stringify(extname(path))}; use .parquet, .csv or .jsonl`);
  try {
    await access(path);
  } catch (e) {
    throw new Error(`manifest ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      cause: e,
    });
  }
  yield* reader(path);
}

/** Validated clips and error rows of a manifest, in file order, streaming. */
export async function* readManifest(path: string, round = 0): AsyncIterable<ManifestItem> {
  const validator = new ManifestValidator(path, round);
  for await (const raw of readRawRows(path)) yield validator.check(raw);
}
