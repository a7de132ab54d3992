/**
 * One judge of a round, wherever it trains (the job's thread or a worker thread): its architecture,
 * the judge it may start from, and its training on the people's text of the clips it does not judge.
 */
import type { Logger } from 'pino';
import type { RefineConfig } from '../../config/refine.js';
import type { Device } from '../../models/device.js';
import { makeProbeConfig, type ProbeConfig } from '../../models/probe/config.js';
import { readJudge, saveJudge } from '../../models/probe/judge.js';
import { initProbeWeights, type Weights } from '../../models/probe/params.js';
import type { ProbeRuntime } from '../../models/probe/runtime.js';
import { WordSwapNegatives } from '../../models/probe/word-swap.js';
import { makeRng, type Rng } from '../../models/rng.js';
import type { CaptionTokenizer } from '../../models/tokenizer.js';
import { trainsOn } from './folds.js';
import { humanExample, trainableExample, type TrainExample, type TrainingSet } from './training-set.js';

/** What training a round's judges needs (`judges.ts`). */
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
export const JUDGE_SOURCES: ReadonlySet<string> = new Set(['asr', 'title', 'title-lead', 'human']);

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

/** One judge of a round: its fold, its member number and where it is saved. */
export interface JudgeSlot {
  readonly fold: number;
  readonly member: number;
  readonly dir: string;
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
  // the train clips outside its fold, kept or not: how much data the judge had (`judgesMayDrop`)
  const trainClips = await o.set.count((e) => e.split === 'train' && trainsOn(f, e.clipId, o.folds));
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
      train_clips: trainClips,
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
