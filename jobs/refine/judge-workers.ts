/**
 * Trains a round's judges side by side in worker threads (`pipeline/thread-pool.ts` says why). Each
 * worker opens the round's training set itself (from its directories) and trains exactly the judge
 * the job's thread would: same rows, seeds and weights, whatever the thread count.
 */
import { availableParallelism } from 'node:os';
import { threadPool, workerCount } from '../../pipeline/thread-pool.js';
import type { JudgeSlot, JudgeTrained, TrainJudgesOptions } from './judge-training.js';
import type { JudgeTask } from './judge-thread.js';
import type { TrainingSetSource } from './training-set.js';

/**
 * How many worker threads train a round's judges: `device.workers` (`workerCount`) on the CPU
 * provider; one (the job's own thread) on a GPU provider unless set, as its sessions share the card.
 */
export function judgeWorkerCount(setting: number, provider: string): number {
  return provider === 'cpu' || setting > 0 ? workerCount(setting) : 1;
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
  const pool = threadPool<JudgeTask, JudgeTrained>(new URL('./judge-thread.ts', import.meta.url), workers);
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
