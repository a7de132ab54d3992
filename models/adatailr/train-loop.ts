/**
 * The training loop with noise control: for every batch, ask the loss config's `NoiseControl` for
 * this step's γ / w_min / sample weights, take one `Trainer` step, feed the step's per-token
 * log-probs back to the noise estimate, and record loss, γ and ρ per step (the issue asks for γ
 * and the noise estimate in the training metrics). Generic over where batches come from, so the
 * refine job and the noise experiment share it; deterministic given the model seed and batch order.
 */
import { captionRows, type CaptionBatch, toIds } from '../batch.js';
import { Captioner } from '../inference.js';
import { type Device } from '../device.js';
import { type Trainer } from '../trainer.js';
import { type z } from 'zod';
import { createNoiseControl, type LossConfig, lossConfigSchema } from './loss-config.js';

/** A loss config before validation (defaults not yet filled in). */
export type LossConfigInput = z.input<typeof lossConfigSchema>;

/** Per-token log-probs of a batch's reference captions laid out [B, seqLen], with the non-pad mask. */
export interface PreScore {
  readonly tokenLogp: ArrayLike<number>;
  readonly mask: ArrayLike<number>;
  readonly seqLen: number;
}

/** Scores a batch's captions with the model as it is now (for loss truncation's per-sample losses). */
export type PreScorer = (batch: CaptionBatch) => Promise<PreScore>;

/** One step's training metrics. */
export interface StepMetrics {
  /** 1-based step number of the trainer. */
  readonly step: number;
  /** Weighted loss the step minimised. */
  readonly loss: number;
  /** Plain (unweighted) mean token NLL of the batch, comparable across loss kinds. */
  readonly nll: number;
  /** γ in force for the step (0 = MLE). */
  readonly gamma: number;
  /** Noise estimate after observing the step (NaN for losses that do not estimate noise). */
  readonly rho: number;
  /** Mean TaiLr token weight over real tokens. */
  readonly meanTokenWeight: number;
  /** Fraction of samples kept at full weight (loss truncation drops some). */
  readonly keptFraction: number;
  readonly gradNorm: number;
  readonly lr: number;
}

/** Options of {@link trainWithNoiseControl}. */
export interface TrainLoopOptions {
  /** Trainer over the model to train (its weights are updated in place). */
  readonly trainer: Trainer;
  /** Batches with captions, consumed in order; one step per batch. */
  readonly batches: AsyncIterable<CaptionBatch> | Iterable<CaptionBatch>;
  /** Loss kind and its settings (validated here; defaults filled in). Example: `{ kind: 'adatailr' }`. */
  readonly lossConfig: LossConfigInput;
  /** Vocabulary size of the model (the adaptive rule's default p_min is 10/|V|). */
  readonly vocabSize: number;
  /**
   * Pre-scoring for losses that need it (loss truncation). Default: teacher-forced scores from a
   * `Captioner` over the current weights, rebuilt every `prescoreEvery` steps on `device`.
   */
  readonly prescore?: PreScorer;
  /** Device for the default pre-scorer. Required when the loss needs pre-scoring and no `prescore` is given. */
  readonly device?: Device;
  /** Steps between rebuilds of the default pre-scorer's model snapshot. Default 1 (always current). */
  readonly prescoreEvery?: number;
  /** Called after every step (progress, logging). */
  readonly onStep?: (metrics: StepMetrics) => void;
  /** Stops before the next step when aborted; the steps taken so far are returned. */
  readonly signal?: AbortSignal;
}

/** What a training run reports: per-step metrics and the curves the docs and experiment plot. */
export interface TrainLoopResult {
  readonly steps: readonly StepMetrics[];
  readonly lossCurve: readonly number[];
  readonly nllCurve: readonly number[];
  readonly gammaCurve: readonly number[];
  readonly rhoCurve: readonly number[];
  /** γ and ρ in force after the last step (what a scoring stage should use). */
  readonly final: { readonly gamma: number; readonly rho: number };
  /** The validated loss config that was used. */
  readonly lossConfig: LossConfig;
}

/** Non-pad mask [B, L] of the captions as the trainer lays them out (bos dropped, eos kept). */
export async function captionMask(
  trainer: Trainer,
  captions: NonNullable<CaptionBatch['captions']>,
  seqLen: number,
): Promise<Float32Array> {
  const { config, tokenizer } = trainer.model;
  const rows = captionRows(config, await toIds(tokenizer, captions));
  const mask = new Float32Array(rows.length * seqLen);
  rows.forEach((r, b) => mask.fill(1, b * seqLen, b * seqLen + Math.min(seqLen, r.length - 1)));
  return mask;
}

/** The default pre-scorer: a Captioner snapshot of the trainer's current weights, refreshed every `every` calls. */
export function snapshotPreScorer(
  trainer: Trainer,
  device: Device,
  every = 1,
): PreScorer & { release(): Promise<void> } {
  if (!(Number.isInteger(every) && every >= 1))
    throw new RangeError(`prescoreEvery must be an integer >= 1, got ${every}`);
  let captioner: Captioner | undefined;
  let age = 0;
  const scorer = async (batch: CaptionBatch): Promise<PreScore> => {
    if (!batch.captions) throw new Error('prescore: batch has no captions');
    if (!captioner || age >= every) {
      await captioner?.release();
      captioner = await Captioner.fromModel(trainer.model, device);
      age = 0;
    }
    age++;
    const s = await captioner.score(batch, batch.captions);
    const seqLen = Math.max(1, ...s.tokenLogp.map((r) => r.length));
    const tokenLogp = new Float32Array(s.tokenLogp.length * seqLen);
    const mask = new Float32Array(s.tokenLogp.length * seqLen);
    s.tokenLogp.forEach((r, b) => {
      tokenLogp.set(r, b * seqLen);
      mask.fill(1, b * seqLen, b * seqLen + r.length);
    });
    return { tokenLogp, mask, seqLen };
  };
  return Object.assign(scorer, { release: async () => captioner?.release() });
}

/** The loss's own per-sample weights times the data's row weights (validated: finite, ≥ 0). */
function withRowWeights<T extends { sampleWeight: Float32Array }>(
  inputs: T,
  weights: readonly number[] | undefined,
): T {
  if (!weights) return inputs;
  if (weights.length !== inputs.sampleWeight.length)
    throw new Error(`train loop: ${weights.length} row weights for ${inputs.sampleWeight.length} rows`);
  const sampleWeight = inputs.sampleWeight.map((s, b) => {
    const w = weights[b];
    if (!(Number.isFinite(w) && w >= 0))
      throw new RangeError(`train loop: row weight ${b} is ${w}; weights must be finite and ≥ 0`);
    return s * w;
  });
  return { ...inputs, sampleWeight };
}

/**
 * Trains one step per batch with the loss config's noise control and returns the per-step
 * metrics (loss, plain NLL, γ, ρ, mean token weight, kept fraction).
 */
export async function trainWithNoiseControl(opts: TrainLoopOptions): Promise<TrainLoopResult> {
  const parsed = lossConfigSchema.parse(opts.lossConfig);
  // AdaTaiLr's γ warm-up defaults to the learning-rate warm-up; the result records the value used
  const lossConfig: LossConfig =
    parsed.kind === 'adatailr' && parsed.warmupSteps === undefined
      ? { ...parsed, warmupSteps: opts.trainer.options.warmupSteps }
      : parsed;
  const control = createNoiseControl(lossConfig, opts.vocabSize);
  let ownScorer: ReturnType<typeof snapshotPreScorer> | undefined;
  let prescore = opts.prescore;
  if (control.needsPreScore && !prescore) {
    if (!opts.device)
      throw new Error(`train loop: loss ${lossConfig.kind} needs pre-scoring; pass \`prescore\` or \`device\``);
    prescore = ownScorer = snapshotPreScorer(opts.trainer, opts.device, opts.prescoreEvery ?? 1);
  }
  const steps: StepMetrics[] = [];
  try {
    for await (const batch of opts.batches) {
      if (opts.signal?.aborted) break;
      if (!batch.captions) throw new Error(`train loop: batch ${steps.length + 1} has no captions`);
      const B = batch.text.length;
      const pre = control.needsPreScore ? await prescore!(batch) : undefined;
      const own = control.inputsFor(B, pre);
      const inputs = withRowWeights(own, batch.weights);
      const r = await opts.trainer.step(batch, inputs);
      const [, L] = r.dims;
      const mask = await captionMask(opts.trainer, batch.captions, L);
      // a row the data weighs at 0 is not part of the batch: the noise estimate does not see it either
      if (batch.weights) for (let b = 0; b < B; b++) if (!(batch.weights[b] > 0)) mask.fill(0, b * L, (b + 1) * L);
      const inForce = control.observe(r.tokenLogp, mask, L);
      let nll = 0;
      let w = 0;
      let n = 0;
      for (let i = 0; i < mask.length; i++) {
        if (!mask[i]) continue;
        nll -= r.tokenLogp[i];
        w += r.tokenWeight[i];
        n++;
      }
      let kept = 0;
      // kept by the loss's own rule (loss truncation), whatever weight the data gives the row
      for (const s of own.sampleWeight) if (s >= 1) kept++;
      const m: StepMetrics = {
        step: r.step,
        loss: r.loss,
        nll: n ? nll / n : 0,
        gamma: inForce.gamma,
        rho: control.current().rho,
        meanTokenWeight: n ? w / n : 0,
        keptFraction: kept / B,
        gradNorm: r.gradNorm,
        lr: r.lr,
      };
      steps.push(m);
      opts.onStep?.(m);
    }
  } finally {
    await ownScorer?.release();
  }
  return {
    steps,
    lossCurve: steps.map((s) => s.loss),
    nllCurve: steps.map((s) => s.nll),
    gammaCurve: steps.map((s) => s.gamma),
    rhoCurve: steps.map((s) => s.rho),
    final: control.current(),
    lossConfig,
  };
}
