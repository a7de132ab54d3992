/**
 * Trains a round's judges side by side in worker threads. onnxruntime-node runs a session on the
 * calling thread, and one judge's small graphs gain little from a second ONNX Runtime thread, so on
 * a machine with several cores the judges train faster one to a thread than one after another on
 * all of them. Each worker opens the round's training set itself (from its directories) and trains
 * exactly the judge this thread would: same rows, seeds and weights, whatever the thread count.
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { JudgeSlot, JudgeTrained, TrainJudgesOptions } from './judges.js';
import type { JudgeTask } from './judge-thread.js';
import type { TrainingSetSource } from './training-set.js';

/**
 * Most worker threads a round's judges get unless `device.judge_workers` asks for more: each holds
 * its own copy of the round's rows and up to `FRAME_CACHE_BYTES` of frames.
 */
export const DEFAULT_MAX_JUDGE_WORKERS = 4;

/**
 * How many worker threads train a round's judges: `device.judge_workers` when set above 0, else
 * one per core (at most {@link DEFAULT_MAX_JUDGE_WORKERS}) on the CPU provider; one (the job's own
 * thread) on a GPU provider, whose sessions share the card.
 */
export function judgeWorkerCount(setting: number, provider: string): number {
  if (setting > 0) return setting;
  return provider === 'cpu' ? Math.min(availableParallelism(), DEFAULT_MAX_JUDGE_WORKERS) : 1;
}

/** The worker threads' Node options: the TypeScript loader this process runs under (tsx), named by file. */
function workerExecArgv(): string[] {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return ['--import', pathToFileURL(tsx).href];
}

/** Trains `slots` in `workers` worker threads, calling `done` as each judge is saved. */
export async function trainJudgesInWorkers(
  o: TrainJudgesOptions,
  set: TrainingSetSource,
  slots: readonly JudgeSlot[],
  workers: number,
  done: (t: JudgeSlot, r: JudgeTrained) => void,
): Promise<void> {
  // the cores shared among the workers: each runs its sessions on its share
  const threads = Math.max(1, Math.floor((o.device.threads.intraOp || availableParallelism()) / workers));
  const pool = new Piscina<JudgeTask, JudgeTrained>({
    filename: new URL('./judge-thread.ts', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    // a worker takes its next judge only when it has finished one: the judges spread evenly
    concurrentTasksPerWorker: 1,
    execArgv: workerExecArgv(),
  });
  const task = (t: JudgeSlot): JudgeTask => ({
    config: o.config,
    set,
    folds: o.folds,
    slot: t,
    frameSpec: o.frameSpec,
    tokenizer: o.tokenizer.toJSON(),
    seed: o.seed,
    trainingDataId: o.trainingDataId,
    threads,
  });
  try {
    await Promise.all(
      slots.map(async (t) => {
        try {
          done(t, await pool.run(task(t), o.signal ? { signal: o.signal } : {}));
        } catch (e) {
          o.signal?.throwIfAborted();
          throw new Error(`judge fold ${t.fold} member ${t.member} (${t.dir}): ${(e as Error).message}`, { cause: e });
        }
      }),
    );
  } finally {
    await pool.destroy();
  }
}
