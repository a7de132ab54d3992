/**
 * What a judge worker thread runs (`judge-workers.ts`): one judge, trained and saved as
 * `trainJudge` does in the job's own thread. The thread keeps its training set, runtime and starting
 * judge between the judges it is given, so a round reads its rows and `judge.init` and builds its
 * training graph once per thread.
 */
import type { RefineConfig } from '../../config/refine.js';
import { Device } from '../../models/device.js';
import { ProbeRuntime } from '../../models/probe/runtime.js';
import { CaptionTokenizer } from '../../models/tokenizer.js';
import {
  judgeProbeConfig,
  type JudgeSlot,
  type JudgeTrained,
  type StartingJudge,
  startingJudge,
  trainJudge,
} from './judge-training.js';
import { TrainingSet, type TrainingSetSource } from './training-set.js';

/** One judge to train in a worker thread: plain data, as a thread is handed it. */
export interface JudgeTask {
  readonly config: RefineConfig;
  readonly set: TrainingSetSource;
  readonly folds: number;
  readonly slot: JudgeSlot;
  readonly frameSpec: { readonly count: number; readonly width: number };
  /** The job's tokenizer (tokenizer.json text). */
  readonly tokenizer: string;
  readonly seed: number;
  readonly trainingDataId: string;
  /** ONNX Runtime threads of this worker's sessions. */
  readonly threads: number;
}

let opened:
  | { key: string; set: Promise<TrainingSet>; runtime: Promise<ProbeRuntime>; start: StartingJudge | undefined }
  | undefined;

/** Trains and saves the task's judge. */
export default async function trainJudgeTask(task: JudgeTask): Promise<JudgeTrained> {
  const tokenizer = CaptionTokenizer.fromJSON(task.tokenizer);
  const cfg = judgeProbeConfig(
    task.config,
    { count: task.frameSpec.count, size: task.frameSpec.width },
    tokenizer.vocabSize,
  );
  const hardNegatives = task.config.judge.hard_negatives === true;
  const init = task.config.judge.init;
  const key = JSON.stringify([task.set, cfg, hardNegatives, task.threads, init]);
  if (opened?.key !== key) {
    const previous = opened;
    opened = undefined;
    if (previous) await (await previous.runtime).release();
    // the starting judge is read (and checked) first: a bad one fails here, before a runtime is opened
    const start = init ? startingJudge(init, cfg, tokenizer) : undefined;
    const device = new Device({ providers: ['cpu'], intraOpThreads: task.threads });
    opened = {
      key,
      set: TrainingSet.reopen(task.set),
      runtime: ProbeRuntime.open(cfg, device, { hardNegatives }),
      start,
    };
  }
  return trainJudge(
    {
      config: task.config,
      set: await opened.set,
      folds: task.folds,
      tokenizer,
      seed: task.seed,
      trainingDataId: task.trainingDataId,
    },
    await opened.runtime,
    task.slot,
    opened.start,
  );
}
