/**
 * The refine job's first step: frames for every clip, extracted once for the whole job at the
 * model's input size, into the job's frames run (resumable like any engine run).
 */
import type { RefineConfig } from '../../config/refine.js';
import type { RunReporter } from '../../pipeline/reporter.js';
import { runLocal } from '../../pipeline/runner.js';
import { framesStage } from '../../stages/frames/stage.js';
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
  readonly runDir: string;
  readonly frameSpec: JobFrameSpec;
  readonly configHash: string;
  readonly reporter: RunReporter;
  readonly signal?: AbortSignal;
}): Promise<void> {
  await runLocal({
    runDir: o.runDir,
    manifestPath: o.config.manifest,
    shardSize: o.config.shard_size,
    round: 0,
    stages: [framesStage({ config: { ...o.config.frames, ...o.frameSpec }, mediaRoot: o.config.media_root })],
    config: { refine: o.configHash, stages: ['frames'] },
    reporter: o.reporter,
    ...withSignal(o.signal),
  });
}
