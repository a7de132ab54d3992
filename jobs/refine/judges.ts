/**
 * The judges of a round: retrieval probes trained on the people's text of the data as the round
 * finds it, cross-fitted by fold (`folds.ts`), optionally several a fold (an ensemble) and against
 * word-swapped hard negatives. The round's adatailr stage chooses each clip's caption with them.
 */
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { RefineConfig } from '../../config/refine.js';
import type { Device } from '../../models/device.js';
import { makeProbeConfig, type ProbeConfig } from '../../models/probe/config.js';
import { readJudge, saveJudge } from '../../models/probe/judge.js';
import { initProbeWeights, type Weights } from '../../models/probe/params.js';
import { ProbeRuntime } from '../../models/probe/runtime.js';
import { WordSwapNegatives } from '../../models/probe/word-swap.js';
import { makeRng, type Rng } from '../../models/rng.js';
import type { CaptionTokenizer } from '../../models/tokenizer.js';
import { trainsOn } from './folds.js';
import { judgeWorkerCount, trainJudgesInWorkers } from './judge-workers.js';
import { humanExample, trainableExample, type TrainExample, type TrainingSet } from './training-set.js';

/** What {@link trainJudges} needs. */
export interface TrainJudgesOptions {
  readonly config: RefineConfig;
  /** The rows the judges learn from: the clips' current captions (their own text before round 0, last round's choice after). */
  readonly set: TrainingSet;
  readonly folds: number;
  /** Where fold `fold`'s judge number `member` (0 … `judge.ensemble` − 1) is saved. */
  readonly outDir: (fold: number, member: number) => string;
  readonly frameSpec: { readonly count: number; readonly width: number };
  readonly tokenizer: CaptionTokenizer;
  readonly seed: number;
  readonly trainingDataId: string;
  readonly device: Device;
  readonly log: Logger;
  readonly signal?: AbortSignal;
}

/** Sources a judge learns from: people's text (a transcript, a title, a human caption), never a model's caption. */
export const JUDGE_SOURCES: ReadonlySet<string> = new Set(['asr', 'title', 'human']);

/**
 * The judges' architecture for a job's frames and vocabulary: the probe defaults with the config's
 * `judge` settings over them. Checked before any frame is extracted, used when the judges train.
 */
export function judgeProbeConfig(
  config: RefineConfig,
  frames: { readonly count: number; readonly size: number },
  vocabSize: number,
): ProbeConfig {
  const j = config.judge;
  return makeProbeConfig(frames, vocabSize, {
    dModel: j.d_model,
    maxTextLen: config.model.max_caption_len ?? 36,
    // only when set, so a judge trained without these options keeps its content hash
    ...(j.video_layers ? { videoLayers: j.video_layers } : {}),
    ...(j.patch ? { patch: j.patch } : {}),
  });
}

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

/** One judge of a round: its fold, its member number and where it is saved. */
export interface JudgeSlot {
  readonly fold: number;
  readonly member: number;
  readonly dir: string;
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

/**
 * The `judge.init` judge's weights, refused with the field named when its shape or tokenizer is not
 * the job's (its weights would mean other words, or not fit the graphs).
 */
export function startingJudge(dir: string, cfg: ProbeConfig, tokenizer: CaptionTokenizer): StartingJudge {
  let init: ReturnType<typeof readJudge>;
  try {
    init = readJudge(dir);
  } catch (e) {
    throw new Error(`judge.init: ${(e as Error).message}`, { cause: e });
  }
  const want = JSON.stringify(cfg);
  const got = JSON.stringify(init.manifest.config);
  if (got !== want) throw new Error(`judge.init ${dir}: its shape ${got} is not the job's judges' ${want}`);
  if (init.tokenizer.toJSON() !== tokenizer.toJSON())
    throw new Error(
      `judge.init ${dir}: its tokenizer is not the job's (start the job from the model it was trained with)`,
    );
  return { weights: init.weights, contentHash: init.manifest.contentHash };
}

/** Checks the config's `judge.init`, if any, against the job's frames and tokenizer (throws as {@link startingJudge}). */
export function checkJudgeInit(
  config: RefineConfig,
  frames: { readonly count: number; readonly size: number },
  tokenizer: CaptionTokenizer,
): void {
  if (config.judge.init)
    startingJudge(config.judge.init, judgeProbeConfig(config, frames, tokenizer.vocabSize), tokenizer);
}

/** The weights a judge starts from, and the content hash of the judge they are (its lineage). */
export interface StartingJudge {
  readonly weights: Weights;
  readonly contentHash: string;
}

/** What training one judge needs: the round's settings and rows, wherever the judge trains. */
export interface JudgeTraining {
  readonly config: RefineConfig;
  readonly set: TrainingSet;
  readonly folds: number;
  readonly tokenizer: CaptionTokenizer;
  readonly seed: number;
  readonly trainingDataId: string;
  readonly signal?: AbortSignal;
}

/** What training one judge reported (its last epoch's mean loss; null when it took no step). */
export interface JudgeTrained {
  readonly steps: number;
  readonly loss: number | null;
}

/** Trains and saves one judge (`slot`), from `start`'s weights when given. */
export async function trainJudge(
  o: JudgeTraining,
  runtime: ProbeRuntime,
  slot: JudgeSlot,
  start?: StartingJudge,
): Promise<JudgeTrained> {
  const cfg = runtime.config;
  const j = o.config.judge;
  const { fold: f, member: m, dir } = slot;
  const seed = o.seed + 1000 * f + 1_000_003 * m;
  const filter = (e: TrainExample): boolean =>
    humanExample(e) || (trainableExample(e) && JUDGE_SOURCES.has(e.captionSource) && trainsOn(f, e.clipId, o.folds));
  const rows = await o.set.count(filter);
  if (rows < 2) throw new Error(`judge fold ${f}: ${rows} rows to learn from; a contrastive judge needs at least 2`);
  const budget = j.max_steps ?? Number.POSITIVE_INFINITY;
  const steps = Math.min(Math.max(1, Math.floor(rows / Math.min(j.batch_size, rows))) * j.epochs, budget);
  const swaps = j.hard_negatives === true ? new WordSwapNegatives() : null;
  if (swaps) for await (const e of o.set.examples()) if (filter(e)) swaps.observe([e.caption]);
  const weights = start ? new Map([...start.weights].map(([k, v]) => [k, v.slice()])) : initProbeWeights(cfg, seed);
  const trainer = runtime.trainer(weights, { lr: j.lr, totalSteps: steps });
  // the final loss is the last epoch's mean: the last whole epoch, or the one max_steps stopped in
  let loss = 0;
  let n = 0;
  for (let epoch = 0; epoch < j.epochs && trainer.steps < budget; epoch++) {
    loss = 0;
    n = 0;
    for await (const b of o.set.epoch({
      filter,
      batchSize: Math.min(j.batch_size, rows),
      seed,
      epoch,
      textDropout: 0,
    })) {
      o.signal?.throwIfAborted();
      if (b.captions.length < 2) continue;
      const ids = await o.tokenizer.encodeBatch(b.captions);
      const hardIds = swaps
        ? await o.tokenizer.encodeBatch(hardNegatives(swaps, b.captions, makeRng(seed, 'hard', trainer.steps)))
        : undefined;
      const r = await trainer.step({ frames: b.frames, ids, weights: b.weights, ...(hardIds ? { hardIds } : {}) });
      loss += r.loss;
      n++;
      if (trainer.steps >= budget) break;
    }
  }
  const member = (j.ensemble ?? 1) > 1 ? `:member-${m}` : '';
  saveJudge(dir, {
    config: cfg,
    tokenizer: o.tokenizer,
    weights: trainer.weights(),
    trainingDataId: `${o.trainingDataId}:fold-${f}/${o.folds}${member}`,
    metrics: {
      steps: trainer.steps,
      final_loss: n ? loss / n : Number.NaN,
      ...(swaps ? { hard_negatives: 'word-swap' } : {}),
      ...(start ? { started_from: start.contentHash } : {}),
    },
  });
  return { steps: trainer.steps, loss: n ? loss / n : null };
}

/** One hard negative per caption: a word swapped, or else the next row's caption (an ordinary negative). */
function hardNegatives(swaps: WordSwapNegatives, captions: readonly string[], rng: Rng): string[] {
  return captions.map((c, i) => swaps.negative(c, rng) ?? captions[(i + 1) % captions.length]);
}
