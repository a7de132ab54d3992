/**
 * Manifest readers: clips from Parquet, CSV or JSON Lines, validated row by row. A malformed row
 * becomes an `errors` row (naming file and row number) instead of stopping the job. Duplicate clip
 * ids are found on disk (`duplicates.ts`), so reading a manifest of any size holds no id map.
 */
import { access, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { SortLimits } from '../external-sort.js';
import { readCsvRows } from './csv.js';
import { KnownDuplicates, SpilledClipIds } from './duplicates.js';
import { readJsonlRows } from './jsonl.js';
import { readParquetRows } from './parquet.js';
import type { RawRow } from './raw.js';
import { type ManifestItem, ManifestValidator, parsedClipId } from './validate.js';

export {
  type ClipIdIndex,
  type ManifestItem,
  ManifestValidator,
  MANIFEST_STAGE,
  MemoryClipIdIndex,
  parsedClipId,
} from './validate.js';
export { type DuplicateRow, KnownDuplicates, SpilledClipIds } from './duplicates.js';
export type { RawRow } from './raw.js';
export { csvRecords } from './csv.js';

/** Manifest file formats, chosen by extension. */
export const manifestFormats = {
  '.parquet': readParquetRows,
  '.csv': readCsvRows,
  '.jsonl': readJsonlRows,
  '.ndjson': readJsonlRows,
} as const;

/** The reader of a manifest file, by extension; throws a clear error for an unknown extension or unreadable file. */
async function readerOf(path: string): Promise<(typeof manifestFormats)[keyof typeof manifestFormats]> {
  const reader = manifestFormats[extname(path).toLowerCase() as keyof typeof manifestFormats];
  if (!reader)
    throw new Error(`manifest ${path}: unknown format ${JSON.stringify(extname(path))}; use .parquet, .csv or .jsonl`);
  try {
    await access(path);
  } catch (e) {
    throw new Error(`manifest ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      cause: e,
    });
  }
  return reader;
}

/**
 * Raw rows of a manifest file, by extension; throws a clear error for an unknown extension or
 * unreadable file. With `columns`, a Parquet manifest's rows hold only those (other formats parse
 * the whole line anyway).
 */
export async function* readRawRows(path: string, columns?: readonly string[]): AsyncIterable<RawRow> {
  yield* (await readerOf(path))(path, columns);
}

/** Where {@link readManifest} sorts a manifest's ids. */
export interface ManifestSortOptions {
  /** The folder its scratch folder is made in (default: the OS temp folder); the scratch is removed when the read ends. */
  readonly scratchParent?: string;
  readonly limits?: SortLimits;
}

/** The file's size and modification time, which change when it is rewritten. */
async function version(path: string): Promise<string> {
  const s = await stat(path);
  return `${s.size} bytes, modified ${s.mtime.toISOString()}`;
}

/**
 * Validated clips and error rows of a manifest, in file order, streaming: the same items a validator
 * holding every id in memory would give. A first pass sorts the rows' clip ids on disk to find the
 * duplicates; the second validates, told which rows those are. A manifest rewritten while it is
 * read (its size or modification time changed, or a known duplicate row gone) is refused at the end,
 * after the items read so far: the caller must not keep what it made of them.
 */
export async function* readManifest(
  path: string,
  round = 0,
  sort: ManifestSortOptions = {},
): AsyncIterable<ManifestItem> {
  const read = await readerOf(path);
  const before = await version(path);
  const scratch = await mkdtemp(join(sort.scratchParent ?? tmpdir(), 'flywheel-manifest-ids-'));
  try {
    const ids = new SpilledClipIds(scratch, sort.limits);
    for await (const raw of read(path, ['clip_id'])) {
      const id = parsedClipId(raw.values);
      if (id !== undefined) ids.firstRow(id, raw.row);
    }
    const known = new KnownDuplicates(ids.duplicates().sorted());
    const validator = new ManifestValidator(path, round, known);
    try {
      for await (const raw of read(path)) yield validator.check(raw);
    } catch (e) {
      throw new Error(`manifest ${path}: ${(e as Error).message}`, { cause: e });
    }
    const after = await version(path);
    if (!known.done || after !== before)
      throw new Error(`manifest ${path}: it changed while it was read (${before}, then ${after}); read it again`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
