/**
 * One cell of the noise experiment: train a tiny captioner on a noisy toy task with one loss
 * config, then measure it on clean held-out clips (greedy exact match, CIDEr-D, token NLL) and,
 * for the adaptive loss, how well its row weights find the corrupted training rows.
 */
import { ciderD } from '../../metrics/cider.js';
import { noiseDetection, type NoiseDetectionMetrics } from '../../metrics/noise.js';
import { type LossConfigInput, trainWithNoiseControl } from '../../models/adatailr/train-loop.js';
import { createModel, type CaptionerModel } from '../../models/model.js';
import { type CaptionBatch } from '../../models/batch.js';
import { Captioner } from '../../models/inference.js';
import { type Device } from '../../models/device.js';
import { type CaptionerConfig } from '../../models/captioner/config.js';
import { type CaptionTokenizer } from '../../models/tokenizer.js';
import { Trainer } from '../../models/trainer.js';
import type { FilterPolicy } from '../../config/filter-policy.js';
import { decideKeep } from '../../stages/adatailr/filter-policy.js';
import { noiseEstimate, rowScore } from '../../stages/adatailr/stage.js';
import { mulberry32, shuffled } from '../../models/rng.js';
import { stackFrames, type ToyRow, type ToyTask } from './toy-task.js';

/** Training settings shared by every cell. */
export interface TrainSettings {
  readonly steps: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly warmupSteps: number;
}

/** Clean held-out quality of a trained model. */
export interface HeldoutScores {
  /** Fraction of held-out clips whose greedy caption equals the true caption. */
  readonly exactMatch: number;
  /** Corpus CIDEr-D of greedy captions against the true captions. */
  readonly cider: number;
  /** Mean per-token NLL (caption tokens + eos) of the true captions. */
  readonly nll: number;
}

/** Noise detection of one keep policy over the training rows. */
export interface DetectionResult {
  readonly policy: FilterPolicy;
  /** Rows flagged (not kept) by the policy, of `rows` scored. */
  readonly flagged: number;
  readonly rows: number;
  readonly metrics: NoiseDetectionMetrics;
}

/** What one training run reports. */
export interface CellResult {
  readonly heldout: HeldoutScores;
  /** γ and smoothed ρ after the last step. */
  readonly finalGamma: number;
  readonly finalRho: number;
  readonly gammaCurve: readonly number[];
  readonly rhoCurve: readonly number[];
  readonly lossCurve: readonly number[];
  /** Keep-policy detection results (only when requested). */
  readonly detection?: readonly DetectionResult[];
  readonly seconds: number;
}

/** One training run of the grid. */
export interface ExperimentRun extends CellResult {
  readonly noise: number;
  readonly seed: number;
  readonly method: string;
}

/** Batches of `rows`, `steps` of them, reshuffled every epoch with `seed` (deterministic order). */
export function* epochBatches(
  rows: readonly ToyRow[],
  batchSize: number,
  steps: number,
  seed: number,
): Generator<CaptionBatch> {
  const r = mulberry32(seed);
  let order: ToyRow[] = [];
  for (let s = 0; s < steps; s++) {
    if (order.length < batchSize) order = [...order, ...shuffled(rows, r)];
    const b = order.splice(0, batchSize);
    yield { frames: stackFrames(b), text: b.map((x) => x.asr), captions: b.map((x) => x.caption) };
  }
}

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** Teacher-forced token log-probs of each row's caption (`field`), in row order. */
export async function scoreRows(
  cap: Captioner,
  rows: readonly ToyRow[],
  field: 'caption' | 'truth',
  batch = 64,
): Promise<number[][]> {
  const out: number[][] = [];
  for (const b of chunks(rows, batch)) {
    const s = await cap.score(
      { frames: stackFrames(b), text: b.map((x) => x.asr) },
      b.map((x) => x[field]),
    );
    out.push(...s.tokenLogp);
  }
  return out;
}

/** Greedy exact match, CIDEr-D and true-caption NLL on clean held-out rows. */
export async function evaluateHeldout(cap: Captioner, rows: readonly ToyRow[]): Promise<HeldoutScores> {
  const gen: string[] = [];
  for (const b of chunks(rows, 64))
    gen.push(...(await cap.generate({ frames: stackFrames(b), text: b.map((x) => x.asr) })).text);
  const norm = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();
  const exact = gen.filter((g, i) => norm(g) === rows[i].truth).length / rows.length;
  const lp = await scoreRows(cap, rows, 'truth');
  let nll = 0;
  let n = 0;
  for (const r of lp)
    for (const x of r) {
      nll -= x;
      n++;
    }
  return {
    exactMatch: exact,
    cider: ciderD(
      gen,
      rows.map((r) => [r.truth]),
    ).score,
    nll: nll / n,
  };
}

/** Flags training rows by each keep policy from their AdaTaiLr row weights, scored against the truth. */
export function detect(
  rows: readonly ToyRow[],
  tokenLogp: readonly number[][],
  gamma: number,
  wMin: number,
  policies: readonly FilterPolicy[],
  corruptedIds: readonly string[],
  vocabSize: number,
): DetectionResult[] {
  const scores = tokenLogp.map((lp) => rowScore(lp, gamma, wMin));
  const weights = scores.map((x) => x.meanWeight);
  const nll = scores.map((x) => x.nll);
  // ρ̂ of the scored rows, as the adatailr stage computes it for `estimated-noise`
  const { rho } = noiseEstimate(tokenLogp, vocabSize);
  return policies.map((policy) => {
    const flagged = decideKeep(policy, weights, { noiseEstimate: rho, nll }).flatMap((d, i) =>
      d.keep ? [] : [rows[i].id],
    );
    return { policy, flagged: flagged.length, rows: rows.length, metrics: noiseDetection(flagged, corruptedIds) };
  });
}

/** Options of {@link runCell}. */
export interface CellOptions {
  readonly task: ToyTask;
  readonly tokenizer: CaptionTokenizer;
  readonly config: CaptionerConfig;
  readonly loss: LossConfigInput;
  readonly train: TrainSettings;
  /** Seed of the model weights and of the batch order. */
  readonly seed: number;
  readonly device: Device;
  /** Keep policies to score on the training rows with this run's final γ (adatailr runs). */
  readonly policies?: readonly FilterPolicy[];
  /** Loss truncation: steps between refreshes of the pre-scoring snapshot. Default 10. */
  readonly prescoreEvery?: number;
}

/** Trains one model and evaluates it. */
export async function runCell(o: CellOptions): Promise<CellResult> {
  const t0 = performance.now();
  const model: CaptionerModel = createModel(o.config, o.tokenizer, o.seed);
  const trainer = await Trainer.create(model, o.device, {
    lr: o.train.lr,
    warmupSteps: o.train.warmupSteps,
    totalSteps: o.train.steps,
    weightDecay: 0.01,
    maxGradNorm: 1,
  });
  let cap: Captioner | undefined;
  try {
    const res = await trainWithNoiseControl({
      trainer,
      batches: epochBatches(o.task.train, o.train.batchSize, o.train.steps, o.seed * 7919 + 1),
      lossConfig: o.loss,
      vocabSize: o.config.vocabSize,
      device: o.device,
      prescoreEvery: o.prescoreEvery ?? 10,
    });
    cap = await Captioner.fromModel(model, o.device);
    const heldout = await evaluateHeldout(cap, o.task.heldout);
    let detection: DetectionResult[] | undefined;
    if (o.policies?.length) {
      const wMin = 'wMin' in res.lossConfig ? res.lossConfig.wMin : 0;
      detection = detect(
        o.task.train,
        await scoreRows(cap, o.task.train, 'caption'),
        res.final.gamma,
        wMin,
        o.policies,
        o.task.corruptedIds,
        o.config.vocabSize,
      );
    }
    return {
      heldout,
      finalGamma: res.final.gamma,
      finalRho: res.final.rho,
      gammaCurve: res.gammaCurve,
      rhoCurve: res.rhoCurve,
      lossCurve: res.lossCurve,
      detection,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await cap?.release();
    await trainer.release();
  }
}
