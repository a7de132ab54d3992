/**
 * The judges of a round: retrieval probes trained on the people's text of the data as the round
 * finds it, cross-fitted by fold (`folds.ts`), optionally several a fold (an ensemble) and against
 * word-swapped hard negatives. The round's adatailr stage chooses each clip's caption with them.
 */
import { existsSync } from 'node:fs';
import { ProbeRuntime } from '../../models/probe/runtime.js';
import {
  judgeProbeConfig,
  type JudgeSlot,
  type JudgeTrained,
  startingJudge,
  trainJudge,
  type TrainJudgesOptions,
} from './judge-training.js';
import { judgeWorkerCount, trainJudgesInWorkers } from './judge-workers.js';

/**
 * Trains (or finds) one judge per fold: a retrieval probe, fresh each round, on the kept rows of the
 * clips it does not judge (`trainsOn`) whose chosen caption is people's text (`JUDGE_SOURCES`) and
 * every human row, with the rows' weights, in streamed epochs (memory stays flat). It never learns
 * from the captioner's output, so it cannot come to vouch for the captioner's own mistakes. With
 * `judge.ensemble` = E, each fold has E judges trained alike from different seeds (member 0's seed
 * is the single judge's). With `device.workers` (one per core by default) the judges train side by
 * side in worker threads, each the same judge as in this thread (`judge-workers.ts`); a set not on
 * local disk (no `source` for a worker to open) trains in this thread. Returns the judge dirs fold
 * by fold, each fold's members together.
 */
export async function trainJudges(o: TrainJudgesOptions): Promise<string[]> {
  const members = o.config.judge.ensemble ?? 1;
  const all: JudgeSlot[] = [];
  for (let fold = 0; fold < o.folds; fold++)
    for (let member = 0; member < members; member++) all.push({ fold, member, dir: o.outDir(fold, member) });
  const pending = all.filter((t) => !existsSync(t.dir));
  const logTrained = (t: JudgeSlot, r: JudgeTrained): void => {
    const m = members > 1 ? `:member-${t.member}` : '';
    o.log.info({ dir: t.dir, steps: r.steps, loss: r.loss }, `judge fold ${t.fold}${m} saved`);
  };
  const workers = Math.min(judgeWorkerCount(o.config.device.workers, o.device.provider), pending.length);
  if (workers > 1 && o.set.source) await trainJudgesInWorkers(o, o.set.source, pending, workers, logTrained);
  else if (pending.length > 0) await trainJudgesHere(o, pending, logTrained);
  return all.map((t) => t.dir);
}

/** Trains the judges one after another in this thread, on one runtime (its training graph built and optimised once). */
async function trainJudgesHere(
  o: TrainJudgesOptions,
  slots: readonly JudgeSlot[],
  done: (t: JudgeSlot, r: JudgeTrained) => void,
): Promise<void> {
  const cfg = judgeProbeConfig(o.config, { count: o.frameSpec.count, size: o.frameSpec.width }, o.tokenizer.vocabSize);
  const runtime = await ProbeRuntime.open(cfg, o.device, { hardNegatives: o.config.judge.hard_negatives === true });
  try {
    const start = o.config.judge.init ? startingJudge(o.config.judge.init, cfg, o.tokenizer) : undefined;
    for (const t of slots) done(t, await trainJudge(o, runtime, t, start));
  } finally {
    await runtime.release();
  }
}
