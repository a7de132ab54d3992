/**
 * The training loss, chosen per training run: plain MLE, TaiLr with a fixed γ, AdaTaiLr (adaptive γ),
 * or loss truncation. Every kind reduces to the same graph inputs (γ, w_min, per-sample weight).
 */
import { z } from 'zod';
import { AdaptiveGamma, FixedGamma, type GammaReading, type GammaStrategy } from './gamma-strategy.js';
import { perSampleNll, truncationWeights } from './loss-truncation.js';

/** Config schema of the training loss. */
export const lossConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('mle') }).strict(),
  z
    .object({
      kind: z.literal('tailr'),
      gamma: z.number().min(0).max(1).default(1),
      wMin: z.number().min(0).max(1).default(0),
    })
    .strict(),
  z
    .object({
      kind: z.literal('adatailr'),
      wMin: z.number().min(0).max(1).default(0),
      /** Probability floor; default 10/|V|. */
      pMin: z.number().gt(0).lt(1).optional(),
      emaAlpha: z.number().gt(0).max(1).default(0.1),
      /**
       * Steps with γ = 0 at the start (ρ is still observed). Default: the run's learning-rate warm-up,
       * filled in by `trainWithNoiseControl` (docs/adatailr.md, "Warm-up").
       */
      warmupSteps: z.number().int().min(0).optional(),
      /** What ρ counts: implausible tokens or captions (see `AdaptiveGammaOptions.unit`; default there). */
      unit: z.enum(['token', 'sequence']).optional(),
      /** Upper clamp of γ (see `AdaptiveGammaOptions.gammaMax`; default there). */
      gammaMax: z.number().min(0).max(1).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('loss-truncation'),
      dropFraction: z.number().min(0).lt(1).default(0.2),
    })
    .strict(),
]);

/** A validated loss config. */
export type LossConfig = z.infer<typeof lossConfigSchema>;

/** What the training-step graph needs for one step, besides the batch. */
export interface LossStepInputs {
  gamma: number;
  wMin: number;
  /** Per-sample weight [B]: 1 keep, 0 drop, or anything between. */
  sampleWeight: Float32Array;
}

/** Drives the loss across steps: picks each step's γ / sample weights and learns from each step's outputs. */
export interface NoiseControl {
  readonly config: LossConfig;
  /** True when `inputsFor` needs the batch's per-token log-probs from a forward pass first. */
  readonly needsPreScore: boolean;
  /** Inputs for the next step over a batch of `batch` samples (pre-scored log-probs when `needsPreScore`). */
  inputsFor(
    batch: number,
    preScore?: { tokenLogp: ArrayLike<number>; mask: ArrayLike<number>; seqLen: number },
  ): LossStepInputs;
  /**
   * Feeds the step's per-token log-probs (and mask, [B, seqLen]) back; returns the γ/ρ that were in
   * force. Without `seqLen`, the layout is taken from the batch size of the last `inputsFor`.
   */
  observe(tokenLogp: ArrayLike<number>, mask: ArrayLike<number>, seqLen?: number): GammaReading;
  current(): GammaReading;
}

/** Builds the noise control for a loss config. */
export function createNoiseControl(config: LossConfig, vocabSize: number): NoiseControl {
  let strategy: GammaStrategy;
  let wMin = 0;
  switch (config.kind) {
    case 'mle':
    case 'loss-truncation':
      strategy = new FixedGamma(0);
      break;
    case 'tailr':
      strategy = new FixedGamma(config.gamma);
      wMin = config.wMin;
      break;
    case 'adatailr':
      strategy = new AdaptiveGamma({
        vocabSize,
        pMin: config.pMin,
        emaAlpha: config.emaAlpha,
        warmupSteps: config.warmupSteps,
        unit: config.unit,
        gammaMax: config.gammaMax,
      });
      wMin = config.wMin;
      break;
  }
  const needsPreScore = config.kind === 'loss-truncation';
  // batch size of the last `inputsFor`, so `observe` can lay out [B, L] when the caller omits seqLen
  let lastBatch = 0;
  return {
    config,
    needsPreScore,
    inputsFor(batch, preScore) {
      lastBatch = batch;
      const { gamma } = strategy.current();
      let sampleWeight: Float32Array = new Float32Array(batch).fill(1);
      if (config.kind === 'loss-truncation') {
        if (!preScore)
          throw new Error('loss-truncation needs the batch pre-scored (per-token log-probs) before the step');
        sampleWeight = truncationWeights(
          perSampleNll(preScore.tokenLogp, preScore.mask, batch, preScore.seqLen),
          config.dropFraction,
        );
      }
      return { gamma, wMin, sampleWeight };
    },
    observe(tokenLogp, mask, seqLen) {
      const inForce = strategy.current();
      strategy.observe(tokenLogp, mask, seqLen ?? (lastBatch > 0 ? tokenLogp.length / lastBatch : undefined));
      return inForce;
    },
    current: () => strategy.current(),
  };
}
