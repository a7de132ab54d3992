/**
 * A job's whole dataset once ticks have added to it: the last finished round's export joined with
 * every finished tick's (`joinExports`), so a nightly user publishes one versioned dataset, each
 * clip once, rather than a round's rows and a folder per night. An export written by an earlier
 * release (without the `tick` column) is written again first, from its run.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportRound, EXPORT_SCHEMA_VERSION, exportRun } from '../export/export-round.js';
import type { ExportMetadata } from '../export/export-metadata.js';
import { type JoinedExport, joinExports } from '../export/join-exports.js';
import { readRunMeta } from '../../pipeline/ledger.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { finishedRoundNumbers } from '../refine/job-files.js';
import { jobLayout } from '../refine/layout.js';
import { scheduleLayout, tickNumbers } from './tick-state.js';

/** An export's metadata, or undefined when `dir` holds none. */
async function exportMeta(dir: string): Promise<ExportMetadata | undefined> {
  const path = join(dir, 'metadata.json');
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as ExportMetadata) : undefined;
}

/** Whether an export is of this release's schema and of the round or tick asked for. */
function isCurrent(meta: ExportMetadata | undefined, of: { round?: number; tick: number | null }): boolean {
  return (
    meta?.schema_version === EXPORT_SCHEMA_VERSION &&
    (meta.tick ?? null) === of.tick &&
    (of.round === undefined || meta.round === of.round)
  );
}

/** When an engine run was planned (its `run.json`), or undefined when it has none. */
async function createdAt(runDir: string): Promise<string | undefined> {
  return (await readRunMeta(new LocalStorage(runDir)))?.created_at;
}

/**
 * The round a tick followed, for a tick exported before exports said so: the last finished round
 * whose run was planned before the tick's (-1 when none was).
 */
async function roundBefore(jobDir: string, rounds: readonly number[], tickRun: string): Promise<number> {
  const tickAt = await createdAt(tickRun);
  let before = -1;
  for (const k of rounds) {
    const at = await createdAt(jobLayout(jobDir).roundRun(k));
    if (tickAt !== undefined && at !== undefined && at < tickAt) before = k;
  }
  return before;
}

/** Default folder of the whole dataset: named by the round and the last tick it holds. */
export function wholeDatasetDir(jobDir: string, round: number | undefined, lastTick: number | undefined): string {
  const name = [
    ...(round !== undefined ? [`round-${round}`] : []),
    ...(lastTick !== undefined ? [`tick-${String(lastTick).padStart(5, '0')}`] : []),
  ].join('-');
  return join(jobDir, 'exports', `dataset-${name}`);
}

/**
 * Exports the whole dataset of the job in `jobDir`: its last finished round's rows and every
 * finished tick's, each clip once (`joinExports`), to `outDir` (default {@link wholeDatasetDir}).
 */
export async function exportWholeDataset(opts: {
  readonly jobDir: string;
  readonly outDir?: string;
  /** At most this many rows a data file (default `EXPORT_ROWS_PER_FILE`). */
  readonly rowsPerFile?: number;
}): Promise<JoinedExport> {
  const { jobDir } = opts;
  const l = jobLayout(jobDir);
  const s = scheduleLayout(jobDir);
  const rounds = await finishedRoundNumbers(l);
  const round = rounds.at(-1);
  const ticks = (await tickNumbers(s.dir)).filter((n) => existsSync(s.tickDone(n)));
  if (round === undefined && ticks.length === 0)
    throw new Error(`export: ${jobDir} has no finished round and no finished tick; run \`flywheel refine\` first`);
  const parts: string[] = [];
  if (round !== undefined) {
    const dir = l.exportDir(round);
    if (!isCurrent(await exportMeta(dir), { round, tick: null })) await exportRound({ jobDir, round });
    parts.push(dir);
  }
  for (const n of ticks) {
    const dir = s.tickExport(n);
    const meta = await exportMeta(dir);
    if (!isCurrent(meta, { tick: n })) {
      const job = JSON.parse(await readFile(l.jobMeta, 'utf8').catch(() => '{}')) as { config_hash?: string };
      await exportRun({
        run: new LocalStorage(s.tickRun(n)),
        frames: new LocalStorage(s.tickFrames(n)),
        round: await roundBefore(jobDir, rounds, s.tickRun(n)),
        tick: n,
        // the hash the tick exported with (its job's config)
        configHash: meta?.config_hash ?? job.config_hash ?? '',
        rounds: [],
        outDir: dir,
      });
    }
    parts.push(dir);
  }
  return joinExports({
    parts,
    outDir: opts.outDir ?? wholeDatasetDir(jobDir, round, ticks.at(-1)),
    ...(opts.rowsPerFile !== undefined ? { rowsPerFile: opts.rowsPerFile } : {}),
  });
}

/**
 * After a tick (`schedule --whole-dataset`): writes the job's whole dataset when the tick added rows,
 * or when the one there does not hold the last finished tick (the process died between the two). `target` true is
 * the versioned default folder; a path is one folder, replaced each night. Returns where it wrote,
 * or undefined when nothing needed writing.
 */
export async function wholeDatasetAfterTick(
  jobDir: string,
  target: true | string,
  tickDone: boolean,
): Promise<string | undefined> {
  const outDir = target === true ? undefined : target;
  if (!tickDone) {
    const rounds = await finishedRoundNumbers(jobLayout(jobDir));
    const s = scheduleLayout(jobDir);
    const ticks = (await tickNumbers(s.dir)).filter((n) => existsSync(s.tickDone(n)));
    if (ticks.length === 0) return undefined;
    // up to date when it holds the latest round and the last finished tick (a fixed folder may hold an older night)
    const parts = (await exportMeta(outDir ?? wholeDatasetDir(jobDir, rounds.at(-1), ticks.at(-1))))?.parts ?? [];
    const hasRound = rounds.length === 0 || parts.some((p) => p.tick === null && p.round === rounds.at(-1));
    if (hasRound && parts.at(-1)?.tick === ticks.at(-1)) return undefined;
  }
  return (await exportWholeDataset({ jobDir, ...(outDir !== undefined ? { outDir } : {}) })).dir;
}
