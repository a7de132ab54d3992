/**
 * The refine job's first step: frames for every clip, extracted once for the whole job at the
 * model's input size, into the job's frames run (resumable like any engine run).
 */
import type { RefineConfig } from '../../config/refine.js';
import type { RunReporter } from '../../pipeline/reporter.js';
import { type Executor, localExecutor } from '../../pipeline/executor.js';
import { type AnyStageSpec, buildStages } from '../../stages/index.js';
import { withSignal } from './job-files.js';

/** How many frames a clip gets and at what size (square for the captioner). */
export interface JobFrameSpec {
  readonly count: number;
  readonly width: number;
  readonly height: number;
}

/** Runs (or resumes) the job's frames run. */
export async function extractJobFrames(o: {
  readonly config: RefineConfig;
  /** The job's copy of its manifest. */
  readonly manifest: string;
  readonly runDir: string;
  readonly frameSpec: JobFrameSpec;
  readonly configHash: string;
  readonly reporter: RunReporter;
  /** Where the frames run runs (default: this machine). */
  readonly executor?: Executor<AnyStageSpec>;
  readonly signal?: AbortSignal;
}): Promise<void> {
  const executor = o.executor ?? localExecutor((s: readonly AnyStageSpec[]) => buildStages(s));
  await executor.execute({
    runDir: o.runDir,
    manifestPath: o.manifest,
    shardSize: o.config.shard_size,
    round: 0,
    specs: [{ kind: 'frames', config: { ...o.config.frames, ...o.frameSpec }, media_root: o.config.media_root }],
    config: { refine: o.configHash, stages: ['frames'] },
    job: o.config.run_dir,
    reporter: o.reporter,
    ...withSignal(o.signal),
  });
}
