/**
 * One dataset out of several exports of a job: its last round's and every schedule tick's since.
 * Each clip is one row, from the latest export that has it as a row; a clip one export could not
 * process and a later one could (a video replaced after it failed) is a row, not an error. The
 * dropped clips and the errors of every export are kept, less the clips that are rows.
 *
 * Made for a nightly join of a large round with small ticks. A data file none of whose rows a later
 * part replaces, and that is at least half a file's worth of rows, is taken whole (hard-linked where
 * the filesystem can, else copied: its bytes, not its rows), so a night costs about its new rows,
 * in time and on disk, not the whole dataset's; the other files' rows stream a batch at a time into
 * new files. Which rows a later part replaces is found with an external sort of every row's clip id
 * (`join-owners.ts`), which also finds the side rows (dropped, errors) whose clip became a row, so
 * however many nights are joined, the join holds no clip ids, and the side tables stream too. A
 * part that cannot be read, or changes while it is joined, fails naming its file, and nothing is
 * published. Published whole, like any export (temp dir, fsync, rename).
 */
import { createHash } from 'node:crypto';
import { existsSync, openAsBlob } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { TypeMap } from 'apache-arrow';
import { batchToRows, rowsToBatch } from '../../schemas/arrow.js';
import { writeDirAtomic } from '../../pipeline/atomic-write.js';
import { ParquetStreamWriter, readParquetBatches } from '../../pipeline/parquet.js';
import { hashFile } from '../../pipeline/hash.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { droppedSchema, failedSchema } from '../../schemas/dropped.js';
import { REFINED_COLUMNS, type RefinedRow, refinedSchema } from '../../schemas/refined.js';
import { datasetCard } from './dataset-card.js';
import { DROPPED_FILE, EXPORT_SCHEMA_VERSION, originKey } from './export-round.js';
import { ERRORS_FILE } from './export-errors.js';
import type { ExportMetadata, ExportPart } from './export-metadata.js';
import { joinOwners, type JoinOwners, type SideFile } from './join-owners.js';
import { PartFiles } from './part-files.js';
import { EXPORT_ROWS_PER_FILE } from './part-size.js';

/** An export to join, read from its `metadata.json`. */
interface Part {
  readonly dir: string;
  readonly meta: ExportMetadata;
}

/** Reads an export's metadata, refusing what is not a current export (naming the folder and what to do). */
async function readPart(dir: string): Promise<Part> {
  const path = join(dir, 'metadata.json');
  if (!existsSync(path)) throw new Error(`join: ${dir} is not an export (no metadata.json)`);
  const meta = JSON.parse(await readFile(path, 'utf8')) as ExportMetadata;
  if (meta.schema_version !== EXPORT_SCHEMA_VERSION)
    throw new Error(
      `join: ${dir} is a ${meta.schema_version} export, not ${EXPORT_SCHEMA_VERSION}: export it again with this release first`,
    );
  return { dir, meta };
}

/** The rows of a Parquet file, a batch at a time; `columns` reads only those. */
async function* fileRows<T>(path: string, columns?: readonly string[]): AsyncIterable<T[]> {
  try {
    for await (const b of readParquetBatches(await openAsBlob(path), 1024, columns)) yield batchToRows<T>(b);
  } catch (e) {
    throw new Error(`join: ${path}: cannot read it as Parquet (${(e as Error).message})`, { cause: e });
  }
}

/** The columns the join reads of a file before deciding to copy or rewrite it: enough to count its rows. */
type LightRow = Pick<RefinedRow, 'caption_source' | 'origin_source' | 'origin_round' | 'tick'>;
const LIGHT_COLUMNS: readonly (keyof LightRow)[] = ['caption_source', 'origin_source', 'origin_round', 'tick'];

/** The parts' side files (dropped, then errors, part by part) that exist, in the order the join writes them. */
function sideFiles(parts: readonly Part[]): SideFile[] {
  return parts.flatMap((p) =>
    (
      [
        { path: join(p.dir, DROPPED_FILE), kind: 'dropped' },
        { path: join(p.dir, ERRORS_FILE), kind: 'errors' },
      ] as const
    ).filter((f) => existsSync(f.path)),
  );
}

/**
 * Streams the side files, less their cleared rows (their clip is a row), into the joined export's
 * dropped and errors tables under `tmp`, asking `owners` for each file's cleared rows in turn.
 */
async function writeSides(
  tmp: string,
  kv: Record<string, string>,
  sides: readonly SideFile[],
  owners: JoinOwners,
): Promise<void> {
  const storage = new LocalStorage(tmp);
  for (const key of [DROPPED_FILE, ERRORS_FILE]) await mkdir(join(tmp, dirname(key)), { recursive: true });
  const out = {
    dropped: { schema: droppedSchema, writer: new ParquetStreamWriter(storage, DROPPED_FILE, droppedSchema, kv) },
    errors: { schema: failedSchema, writer: new ParquetStreamWriter(storage, ERRORS_FILE, failedSchema, kv) },
  };
  const writers = [out.dropped.writer, out.errors.writer];
  try {
    for (const [i, f] of sides.entries()) {
      const cleared = owners.clearedIn(i);
      const { schema, writer } = out[f.kind];
      let at = 0;
      for await (const batch of fileRows<object>(f.path)) {
        const kept = batch.filter(() => !cleared.has(at++));
        if (kept.length) await writer.write(rowsToBatch<TypeMap>(schema, kept));
      }
      if (at !== owners.sideRows[i])
        throw new Error(`join: ${f.path} changed while it was joined (${owners.sideRows[i]} rows, then ${at})`);
    }
    for (const w of writers) await storage.commit(await w.close(), { overwrite: true });
  } catch (e) {
    for (const w of writers) {
      w.abort(e);
      const temp = await w.settled();
      if (temp) await storage.discard(temp);
    }
    throw e;
  }
}

/** What {@link joinExports} wrote. */
export interface JoinedExport {
  readonly dir: string;
  readonly metadata: ExportMetadata;
  /** Rows an earlier part had that a later part's row of the same clip replaced. */
  readonly replaced: number;
  /** Data files taken whole from the parts (the rest of the rows were written into new files). */
  readonly copied: number;
  /** Of those, the files hard-linked rather than copied: no new bytes on disk. */
  readonly linked: number;
}

/**
 * Joins the exports in `parts` (in order: a later part's row of a clip replaces an earlier part's)
 * into one export at `outDir`, with `metadata.json` listing the parts and a dataset card.
 */
export async function joinExports(opts: {
  readonly parts: readonly string[];
  readonly outDir: string;
  /** At most this many rows a written data file (default `EXPORT_ROWS_PER_FILE`); a copied file keeps its size. */
  readonly rowsPerFile?: number;
  /** Take a part's untouched data files whole (default true); false writes every row again. */
  readonly copyWhole?: boolean;
  /** How a file is taken whole: hard-linked (the default, copied where the filesystem cannot) or copied. */
  readonly share?: 'link' | 'copy';
}): Promise<JoinedExport> {
  if (opts.parts.length === 0) throw new Error('join: no export to join');
  const parts: Part[] = [];
  for (const dir of opts.parts) parts.push(await readPart(dir));
  const rowsPerFile = opts.rowsPerFile ?? EXPORT_ROWS_PER_FILE;
  const sides = sideFiles(parts);
  let replaced = 0;
  let copied = 0;
  let linked = 0;
  let sideClips: JoinOwners['sideClips'] = { dropped: 0, errors: 0 };
  const metadata = await writeDirAtomic(
    opts.outDir,
    async (tmp) => {
      const last = parts[parts.length - 1].meta;
      const joined: ExportPart[] = parts.map(({ dir, meta: m }) => ({
        export: basename(dir),
        round: m.round,
        tick: m.tick ?? null,
        dataset_id: m.dataset_id,
        run_id: m.run_id,
        config_hash: m.config_hash,
        rows: m.rows,
      }));
      const kv = {
        'flywheel.schema_version': EXPORT_SCHEMA_VERSION,
        'flywheel.round': String(last.round),
        'flywheel.parts': JSON.stringify(joined),
      };
      const files = new PartFiles(tmp, refinedSchema, kv, rowsPerFile);
      const bySource: Record<string, number> = {};
      const byOrigin: Record<string, number> = {};
      let rows = 0;
      const scratch = join(tmp, '.clip-ids');
      try {
        const owners = await joinOwners({
          files: parts.map((p) => p.meta.files.map((f) => join(p.dir, f.name))),
          ids: async function* (path) {
            for await (const batch of fileRows<Pick<RefinedRow, 'clip_id'>>(path, ['clip_id']))
              yield batch.map((r) => r.clip_id);
          },
          sides,
          scratch,
        });
        for (const [i, p] of parts.entries()) {
          for (const [k, f] of p.meta.files.entries()) {
            const path = join(p.dir, f.name);
            const skip = owners.replacedIn(i, k);
            // a first, light pass: what the rows this file keeps count as
            let seen = 0;
            for await (const batch of fileRows<LightRow>(path, LIGHT_COLUMNS))
              for (const r of batch) {
                if (skip.has(seen++)) continue;
                bySource[r.caption_source] = (bySource[r.caption_source] ?? 0) + 1;
                byOrigin[originKey(r)] = (byOrigin[originKey(r)] ?? 0) + 1;
              }
            if (seen !== owners.fileRows[i][k])
              throw new Error(
                `join: ${path} changed while it was joined (${owners.fileRows[i][k]} rows, then ${seen})`,
              );
            const kept = seen - skip.size;
            replaced += skip.size;
            rows += kept;
            const whole =
              (opts.copyWhole ?? true) &&
              kept === seen &&
              seen === f.rows &&
              seen >= Math.ceil(rowsPerFile / 2) &&
              f.content_sha256 !== '' &&
              f.sha256 !== '';
            if (whole) {
              const how = await files.adopt(path, f, opts.share).catch((e: unknown) => {
                throw new Error(`join: ${(e as Error).message}`, { cause: e });
              });
              copied++;
              if (how === 'linked') linked++;
              continue;
            }
            if (kept === 0) continue;
            // a file read row by row is checked as one taken whole is: its bytes are the ones its export recorded
            if (f.sha256 !== '' && (await hashFile(path)) !== f.sha256)
              throw new Error(
                `join: ${path}: its bytes are not those its export's metadata.json records (changed since?)`,
              );
            let at = 0;
            for await (const batch of fileRows<RefinedRow>(path)) {
              const mine = batch.filter(() => !skip.has(at++));
              if (mine.length) await files.add(rowsToBatch(refinedSchema, mine));
            }
            if (at !== seen) throw new Error(`join: ${path} changed while it was joined (${seen} rows, then ${at})`);
          }
        }
        // a clip that is a row is neither dropped nor an error any more; the rest keep every part's reasons
        await writeSides(tmp, kv, sides, owners);
        sideClips = owners.sideClips;
      } catch (e) {
        files.abort(e);
        throw e;
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
      const written = await files.close();
      const m: ExportMetadata = {
        schema_version: EXPORT_SCHEMA_VERSION,
        dataset_id: createHash('sha256')
          .update(written.map((f) => `${f.name} ${f.content_sha256}`).join('\n'))
          .digest('hex'),
        // the latest part's round, run and config; every part's are in `parts`
        round: last.round,
        tick: null,
        run_id: last.run_id,
        config_hash: last.config_hash,
        rows,
        dropped: sideClips.dropped,
        dropped_file: DROPPED_FILE,
        errors: sideClips.errors,
        errors_file: ERRORS_FILE,
        heldout_excluded: parts.reduce((s, p) => s + p.meta.heldout_excluded, 0),
        by_source: bySource,
        by_origin: byOrigin,
        files: written,
        rounds: parts.find((p) => p.meta.rounds.length)?.meta.rounds ?? [],
        parts: joined,
        exported_at: new Date().toISOString(),
      };
      await writeFile(join(tmp, 'metadata.json'), `${JSON.stringify(m, null, 2)}\n`);
      await writeFile(join(tmp, 'README.md'), datasetCard(m, refinedSchema, REFINED_COLUMNS));
      return m;
    },
    { replace: true },
  );
  return {
    dir: opts.outDir,
    metadata,
    replaced,
    copied,
    linked,
  };
}
