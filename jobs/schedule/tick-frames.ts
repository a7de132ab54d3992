/**
 * The frames a tick reads: its own clips' frames run, and — for a retraining tick — the frames runs
 * of every part it trains on. Frames are the largest part of a job that grows with its clips, and an
 * operator short of disk may delete them. A retraining tick then extracts a gone run again from the
 * manifest it read (the refine job's copy, or the tick's own list of clips) before it captions
 * anything, with a warning, instead of failing after the night's work with "has no run.json"; and
 * a tick killed during that extraction leaves a run the next retraining tick finishes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RefineConfig } from '../../config/refine.js';
import type { Executor } from '../../pipeline/executor.js';
import { runProgress } from '../../pipeline/ledger.js';
import type { RunReporter } from '../../pipeline/reporter.js';
import { LocalStorage } from '../../pipeline/storage.js';
import type { AnyStageSpec } from '../../stages/index.js';
import { extractJobFrames, type JobFrameSpec } from '../refine/frames-phase.js';
import { readJson, withSignal } from '../refine/job-files.js';
import { jobLayout } from '../refine/layout.js';
import { readPin } from '../refine/pinned-manifest.js';
import { retrainingRuns, scheduleLayout } from './tick-state.js';

/** What extracting a tick's frames needs. */
export interface TickFramesOptions {
  readonly config: RefineConfig;
  /** The frame count and size of the current captioner. */
  readonly spec: JobFrameSpec;
  /** Recorded in each frames run (the schedule's config hash and the current models). */
  readonly runConfig: Record<string, unknown>;
  readonly executor: Executor<AnyStageSpec>;
  readonly reporter: () => RunReporter;
  readonly signal?: AbortSignal;
}

/** Runs (or resumes) tick `tick`'s frames run over its list of clips. */
export async function extractTickFrames(tick: number, o: TickFramesOptions): Promise<void> {
  const s = scheduleLayout(o.config.run_dir);
  await o.executor.execute({
    runDir: s.tickFrames(tick),
    manifestPath: s.tickManifest(tick),
    shardSize: o.config.shard_size,
    round: tick,
    specs: [{ kind: 'frames', config: { ...o.config.frames, ...o.spec }, media_root: o.config.media_root }],
    config: { ...o.runConfig, stages: ['frames'] },
    job: o.config.run_dir,
    reporter: o.reporter(),
    ...withSignal(o.signal),
  });
}

/**
 * Where a frames run stands: `gone` (no run record: deleted), `partial` (an extraction of it was
 * stopped before every shard committed: a killed restoring tick, say) or `complete`.
 */
async function framesRunState(dir: string): Promise<'gone' | 'partial' | 'complete'> {
  const p = await runProgress(new LocalStorage(dir));
  if (!p) return 'gone';
  return p.done === p.shards ? 'complete' : 'partial';
}

/** The warning's words for a run that is not complete. */
const missing = (state: 'gone' | 'partial'): string =>
  state === 'gone' ? 'are gone: extracting them again' : 'were partly extracted again: extracting the rest';

/**
 * Extracts again each frames run that retraining tick `tick` would read and that is gone (or whose
 * extraction again was stopped: it is finished). The refine job's (for its last round's rows) comes
 * from the job's copy of its manifest, under the job's config hash, as `flywheel refine` would
 * extract it; each earlier tick's from that tick's list of clips. Returns the runs it extracted. A
 * gone run whose manifest is gone too cannot be rebuilt: that is an error naming both.
 */
export async function restoreRetrainingFrames(
  tick: number,
  o: TickFramesOptions & { readonly log: Logger },
): Promise<string[]> {
  const l = jobLayout(o.config.run_dir);
  const s = scheduleLayout(o.config.run_dir);
  const { round, ticks } = await retrainingRuns(o.config.run_dir, tick);
  const restored: string[] = [];
  const jobState = round !== undefined ? await framesRunState(l.framesRun) : 'complete';
  if (round !== undefined && jobState !== 'complete') {
    const pin = await readPin(l).catch((e: Error) => {
      throw new Error(
        `schedule: ${l.manifestPin}: cannot read the job's manifest record (${e.message}), so a retraining tick cannot extract the job's gone frames again`,
      );
    });
    const manifest = pin && join(l.manifestDir, pin.file);
    if (!manifest || !existsSync(manifest))
      throw new Error(
        `schedule: the refine job's frames (${l.framesRun}) are gone, and so is its copy of its manifest (${manifest ?? l.manifestPin}): a retraining tick cannot extract them again. Run \`flywheel refine\` on the job, or tick without --retrain-every`,
      );
    o.log.warn(
      { frames: l.framesRun, manifest, round },
      `the refine job's frames ${missing(jobState)} (round ${round}'s rows are trained on)`,
    );
    const { config_hash } = await readJson<{ config_hash: string }>(l.jobMeta);
    await extractJobFrames({
      config: o.config,
      manifest,
      runDir: l.framesRun,
      frameSpec: o.spec,
      configHash: config_hash,
      executor: o.executor,
      reporter: o.reporter(),
      ...withSignal(o.signal),
    });
    restored.push(l.framesRun);
  }
  for (const n of ticks.filter((t) => t !== tick)) {
    const state = await framesRunState(s.tickFrames(n));
    if (state === 'complete') continue;
    if (!existsSync(s.tickManifest(n)))
      throw new Error(
        `schedule: tick ${n}'s frames (${s.tickFrames(n)}) are gone, and so is its list of clips (${s.tickManifest(n)}): a retraining tick cannot extract them again`,
      );
    o.log.warn({ frames: s.tickFrames(n), tick: n }, `tick ${n}'s frames ${missing(state)}`);
    await extractTickFrames(n, o);
    restored.push(s.tickFrames(n));
  }
  return restored;
}
