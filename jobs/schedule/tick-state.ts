/**
 * The schedule's state on disk: where ticks live, which clips earlier ticks took, and which
 * captioner and judges the next tick uses.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RefineConfig } from '../../config/refine.js';
import { batchToRows } from '../../schemas/arrow.js';
import { layout } from '../../pipeline/layout.js';
import { readRunMeta } from '../../pipeline/ledger.js';
import { readParquetBatches } from '../../pipeline/parquet.js';
import { LocalStorage } from '../../pipeline/storage.js';
import type { ClipRow } from '../../schemas/clips.js';
import { VERSION_FILES } from '../../models/version.js';
import { finishedRoundNumbers } from '../refine/job-files.js';
import { jobLayout } from '../refine/layout.js';
import type { TrainingPart } from '../refine/training-set.js';

/** Paths of the schedule state inside a job directory. */
export function scheduleLayout(runDir: string) {
  const dir = join(runDir, 'schedule');
  const tickDir = (n: number): string => join(dir, `tick-${String(n).padStart(5, '0')}`);
  return {
    dir,
    tickDir,
    tickManifest: (n: number): string => join(tickDir(n), 'clips.parquet'),
    tickFrames: (n: number): string => join(tickDir(n), 'frames'),
    tickRun: (n: number): string => join(tickDir(n), 'run'),
    tickDone: (n: number): string => join(tickDir(n), 'tick.json'),
    /** Run files of the sort that finds a tick's new clips (one tick at a time holds the job's lock). */
    newClipsScratch: join(dir, '.new-clips'),
    tickExport: (n: number): string => join(runDir, 'exports', `tick-${String(n).padStart(5, '0')}`),
    model: (n: number): string => join(runDir, 'models', `tick-${String(n).padStart(5, '0')}`),
  };
}

/** The numbers of the `tick-<n>` folders in a directory, ascending. */
export async function tickNumbers(dir: string): Promise<number[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir))
    .map((f) => /^tick-(\d+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Every clip id a finished engine run took as input (what earlier ticks already processed), a batch at a time. */
export async function* clipIdBatchesOfRun(runDir: string): AsyncIterable<string[]> {
  const storage = new LocalStorage(runDir);
  const meta = await readRunMeta(storage);
  if (!meta) return;
  for (const shard of meta.shards)
    // only the id column: a night reads every earlier run's inputs, whose transcripts and titles it does not need
    for await (const b of readParquetBatches(await storage.openBlob(layout.input(shard)), 4096, ['clip_id']))
      yield batchToRows<Pick<ClipRow, 'clip_id'>>(b).map((c) => c.clip_id);
}

/** Every clip id a finished engine run took as input, in one array (for a run of one night's clips). */
export async function clipIdsOfRun(runDir: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const batch of clipIdBatchesOfRun(runDir)) ids.push(...batch);
  return ids;
}

/** The captioner the next tick uses (as a one-element list): the newer of the last retraining tick's and the refine job's last round's, else `model.init`. */
export async function currentModels(config: RefineConfig): Promise<string[]> {
  const s = scheduleLayout(config.run_dir);
  const models = join(config.run_dir, 'models');
  if (existsSync(models)) {
    const names = await readdir(models);
    const ticks = names.filter((n) => /^tick-\d+$/.test(n)).sort();
    const rounds = names
      .map((n) => /^round-(\d+)$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]));
    const tick = ticks.length ? join(models, ticks[ticks.length - 1]) : undefined;
    const round = rounds.length ? jobLayout(config.run_dir).roundModel(Math.max(...rounds)) : undefined;
    // a refine given more rounds after some retraining ticks trains a newer model than theirs
    if (tick && round) return [(await savedAt(round)) > (await savedAt(tick)) ? round : tick];
    const latest = tick ?? round;
    if (latest) return [latest];
  }
  if (config.model.init) return [config.model.init];
  throw new Error(
    `schedule: no model to caption with in ${s.dir}: run \`flywheel refine\` on this run_dir first, or set model.init to a model version directory`,
  );
}

/** When a model version was saved (its manifest's `createdAt`, ms); 0 when that cannot be read. */
async function savedAt(dir: string): Promise<number> {
  try {
    const m = JSON.parse(await readFile(join(dir, VERSION_FILES.manifest), 'utf8')) as { createdAt?: unknown };
    return typeof m.createdAt === 'string' ? Date.parse(m.createdAt) || 0 : 0;
  } catch {
    return 0;
  }
}

/** The judges of the refine job's latest round (`judge.ensemble` per fold, fold by fold), or undefined when no refine round trained any. */
export async function currentJudges(config: RefineConfig): Promise<string[] | undefined> {
  const dir = join(config.run_dir, 'judges');
  const rounds = existsSync(dir)
    ? (await readdir(dir))
        .map((n) => /^round-(\d+)$/.exec(n))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]))
    : [];
  if (rounds.length === 0) return undefined;
  const last = Math.max(...rounds);
  const members = config.judge.ensemble ?? 1;
  return Array.from({ length: config.folds * members }, (_, i) =>
    jobLayout(config.run_dir).judge(last, Math.floor(i / members), i % members),
  );
}

/** Whose rows a retraining tick trains on: the refine job's last finished round (if any) and these ticks. */
export interface RetrainingRuns {
  readonly round?: number;
  readonly ticks: readonly number[];
}

/**
 * What a retraining tick trains on: the rows the job has refined so far — the refine job's last
 * finished round's, then every tick's up to `tick` — so its captioner learns from as much as a
 * round's, human captions included, not from one night's clips alone.
 */
export async function retrainingRuns(runDir: string, tick: number): Promise<RetrainingRuns> {
  const s = scheduleLayout(runDir);
  const last = (await finishedRoundNumbers(jobLayout(runDir))).at(-1);
  const ticks = (await tickNumbers(s.dir)).filter((n) => n === tick || (n < tick && existsSync(s.tickDone(n))));
  return { ...(last !== undefined ? { round: last } : {}), ticks };
}

/** {@link retrainingRuns} as training parts, each run's rows with the frames run they read, and an id naming them. */
export async function retrainingParts(runDir: string, tick: number): Promise<{ parts: TrainingPart[]; id: string }> {
  const s = scheduleLayout(runDir);
  const l = jobLayout(runDir);
  const { round, ticks } = await retrainingRuns(runDir, tick);
  const parts: TrainingPart[] = [
    ...(round !== undefined
      ? [{ roundRun: new LocalStorage(l.roundRun(round)), framesRun: new LocalStorage(l.framesRun) }]
      : []),
    ...ticks.map((n) => ({ roundRun: new LocalStorage(s.tickRun(n)), framesRun: new LocalStorage(s.tickFrames(n)) })),
  ];
  const id = [...(round !== undefined ? [`round-${round}`] : []), `ticks ${ticks.join(',')}`].join(' + ');
  return { parts, id };
}
