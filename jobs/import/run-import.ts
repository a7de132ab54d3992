/**
 * `flywheel import`: turns a source layout into a clips manifest (Parquet) plus its errors table.
 * Every row is validated by the manifest's own rules (`pipeline/manifest/validate.ts`); a bad row
 * becomes an error row naming the source row and field, and the import goes on.
 *
 * Duplicate clip ids are found on disk in bounded memory (see `duplicates.ts`): the first pass spills
 * every clip id to an external sort; only when the source has duplicates is it read a second time,
 * with the duplicate rows known, and the first pass's output discarded.
 *
 * Atomicity and resume: both files are streamed to temp names and published only at the end, so a
 * killed import leaves no manifest (its temp files and sort folder are removed by the next run). A re-run restarts
 * from the first source row — the output is a pure function of the source and the options, so the
 * restart is idempotent — and a re-run after a finished import of the same source (path, size,
 * mtime) and options does nothing. `<out>.import.json` records what was imported.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { SortLimits } from '../../pipeline/external-sort.js';
import { type ClipIdIndex, KnownDuplicates, ManifestValidator, SpilledClipIds } from '../../pipeline/manifest/index.js';
import { jsonBytes } from '../../pipeline/ledger.js';
import { LocalStorage, putObject, TEMP_MARKER } from '../../pipeline/storage.js';
import type { ErrorRow } from '../../schemas/errors.js';
import { ManifestWriter } from './manifest-writer.js';
import type { ImportSource } from './source.js';

/** Version tag of the import record. */
export const IMPORT_FORMAT = 'flywheel-import/1';

/** Contents of `<out>.import.json`, written last: its presence with a matching fingerprint means done. */
export interface ImportRecord {
  readonly format: typeof IMPORT_FORMAT;
  /** sha256 of layout, options and the source's path, size and mtime. */
  readonly fingerprint: string;
  readonly layout: string;
  readonly options: Readonly<Record<string, string>>;
  readonly source: { readonly path: string; readonly bytes: number; readonly mtime_ms: number };
  /** Source rows read (segments for HowTo100M), clips written and error rows written. */
  readonly rows: number;
  readonly clips: number;
  readonly errors: number;
  readonly manifest: string;
  readonly errors_file: string;
  readonly imported_at: string;
}

/** What {@link runImport} did. */
export interface ImportResult {
  readonly record: ImportRecord;
  /** True when an identical import had already finished and nothing was written. */
  readonly skipped: boolean;
}

/** Paths an import writes for a manifest at `out` (`clips.parquet` → `clips.errors.parquet`, `clips.import.json`). */
export function importPaths(out: string): { manifest: string; errors: string; record: string } {
  if (!out.endsWith('.parquet')) throw new Error(`--out must name a .parquet file (got ${JSON.stringify(out)})`);
  const stem = out.slice(0, -'.parquet'.length);
  return { manifest: out, errors: `${stem}.errors.parquet`, record: `${stem}.import.json` };
}

/** Appends which source field a manifest column was read from, when the message names that column. */
export function nameSourceField(message: string, fields: ImportSource['sourceFields']): string {
  for (const [field, from] of Object.entries(fields))
    if (from !== field && new RegExp(`\\b${field}\\b`).test(message))
      return `${message} [${field} is read from ${from}]`;
  return message;
}

async function readRecord(path: string): Promise<ImportRecord | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as ImportRecord;
  } catch {
    return undefined;
  }
}

/** Removes temp files (and sort folders) a killed import left next to `out`. */
async function removeStaleTemps(dir: string, names: readonly string[]): Promise<void> {
  for (const entry of await readdir(dir))
    if (names.some((n) => entry.startsWith(`${n}${TEMP_MARKER}`)))
      await rm(join(dir, entry), { recursive: true, force: true });
}

/** Runs `fn`; when it throws, aborts `writer` (deleting its temp files) and rethrows. */
async function orAbort<T>(writer: ManifestWriter, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    await writer.abort(e);
    throw e;
  }
}

/** One pass over the source: validates each row (duplicates per `index`) into `writer`; returns the rows read. */
async function importPass(
  source: ImportSource,
  writer: ManifestWriter,
  validator: ManifestValidator,
  onProgress: ((rows: number) => void) | undefined,
): Promise<number> {
  let rows = 0;
  for await (const raw of source.rows()) {
    rows++;
    const item = validator.check(raw);
    if ('clip' in item) await writer.addClip(item.clip);
    else {
      const error: ErrorRow = { ...item.error, message: nameSourceField(item.error.message, source.sourceFields) };
      await writer.addError(error);
    }
    if (onProgress && rows % 100_000 === 0) onProgress(rows);
  }
  return rows;
}

/** Imports `sourcePath` through `source` into the manifest `out`; see the module comment for resume rules. */
export async function runImport(
  source: ImportSource,
  opts: {
    sourcePath: string;
    out: string;
    batchRows?: number;
    /** Memory bounds of the duplicate-id sort (tests make them small to get many runs). */
    sortLimits?: SortLimits;
    onProgress?: (rows: number) => void;
    /** Called when the source has `duplicates` duplicate clip ids and is read a second time. */
    onSecondPass?: (duplicates: number) => void;
  },
): Promise<ImportResult> {
  const paths = importPaths(resolve(opts.out));
  const st = await stat(opts.sourcePath).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`import: cannot read ${opts.sourcePath} (${e.code ?? e.message})`);
  });
  const src = { path: resolve(opts.sourcePath), bytes: st.size, mtime_ms: st.mtimeMs };
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ format: IMPORT_FORMAT, layout: source.layout, options: source.options, src }))
    .digest('hex');
  const done = await readRecord(paths.record);
  if (done?.fingerprint === fingerprint) {
    const present = await Promise.all(
      [stat(paths.manifest), stat(paths.errors)].map((p) =>
        p.then(
          () => true,
          () => false,
        ),
      ),
    );
    if (present.every(Boolean)) return { record: done, skipped: true };
  }
  const dir = dirname(paths.manifest);
  const names = [basename(paths.manifest), basename(paths.errors), basename(paths.record)];
  await removeStaleTemps(dir, names);
  const storage = new LocalStorage(dir);
  const kv = {
    'flywheel.import': JSON.stringify({
      format: IMPORT_FORMAT,
      layout: source.layout,
      options: source.options,
      source: src,
      fingerprint,
    }),
  };
  const newWriter = () => new ManifestWriter(storage, { manifest: names[0], errors: names[1] }, kv, opts.batchRows);
  const validator = (index: ClipIdIndex) => new ManifestValidator(opts.sourcePath, 0, index);
  const sortDir = join(dir, `${names[0]}${TEMP_MARKER}ids-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const ids = new SpilledClipIds(sortDir, opts.sortLimits);
    let writer = newWriter();
    const first = writer;
    const rows = await orAbort(first, () => importPass(source, first, validator(ids), opts.onProgress));
    const duplicates = await orAbort(first, () => ids.duplicates());
    if (duplicates.count > 0) {
      // the first pass wrote the duplicate rows as clips: discard it and read again, knowing them
      await first.abort(new Error('import: first pass discarded (the source has duplicate clip ids)'));
      opts.onSecondPass?.(duplicates.count);
      const known = new KnownDuplicates(duplicates.sorted());
      const second = (writer = newWriter());
      await orAbort(second, async () => {
        const again = await importPass(source, second, validator(known), opts.onProgress);
        if (again !== rows || !known.done)
          throw new Error(`import: ${opts.sourcePath} changed during the import (read ${rows} rows, then ${again})`);
      });
    }
    await orAbort(writer, () => writer.commit());
    const record: ImportRecord = {
      format: IMPORT_FORMAT,
      fingerprint,
      layout: source.layout,
      options: source.options,
      source: src,
      rows,
      clips: writer.clips,
      errors: writer.errors,
      manifest: paths.manifest,
      errors_file: paths.errors,
      imported_at: new Date().toISOString(),
    };
    await putObject(storage, names[2], jsonBytes(record), { overwrite: true });
    return { record, skipped: false };
  } finally {
    await rm(sortDir, { recursive: true, force: true });
  }
}
