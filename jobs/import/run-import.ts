/**
 * `flywheel import`: turns a source layout into a clips manifest (Parquet) plus its errors table.
 * Every row is validated by the manifest's own rules (`pipeline/manifest/validate.ts`); a bad row
 * becomes an error row naming the source row and field, and the import goes on.
 *
 * Atomicity and resume: both files are streamed to temp names and published only at the end, so a
 * killed import leaves no manifest (its temp files are removed by the next run). A re-run restarts
 * from the first source row — the output is a pure function of the source and the options, so the
 * restart is idempotent — and a re-run after a finished import of the same source (path, size,
 * mtime) and options does nothing. `<out>.import.json` records what was imported.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ManifestValidator } from '../../pipeline/manifest/index.js';
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

/** Removes temp files a killed import left next to `out`. */
async function removeStaleTemps(dir: string, names: readonly string[]): Promise<void> {
  for (const entry of await readdir(dir))
    if (names.some((n) => entry.startsWith(`${n}${TEMP_MARKER}`))) await rm(join(dir, entry), { force: true });
}

/** Imports `sourcePath` through `source` into the manifest `out`; see the module comment for resume rules. */
export async function runImport(
  source: ImportSource,
  opts: { sourcePath: string; out: string; batchRows?: number; onProgress?: (rows: number) => void },
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
  const writer = new ManifestWriter(storage, { manifest: names[0], errors: names[1] }, kv, opts.batchRows);
  const validator = new ManifestValidator(opts.sourcePath);
  let rows = 0;
  try {
    for await (const raw of source.rows()) {
      rows++;
      const item = validator.check(raw);
      if ('clip' in item) await writer.addClip(item.clip);
      else {
        const error: ErrorRow = { ...item.error, message: nameSourceField(item.error.message, source.sourceFields) };
        await writer.addError(error);
      }
      if (opts.onProgress && rows % 100_000 === 0) opts.onProgress(rows);
    }
    await writer.commit();
  } catch (e) {
    await writer.abort(e);
    throw e;
  }
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
}
