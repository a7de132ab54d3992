/**
 * How γ is chosen for each training step. `fixed` is TaiLr's hand-set γ; `adaptive` is our
 * AdaTaiLr rule from the model's own noise estimate (see docs). Strategies are plain objects so a
 * new rule can be added without touching the trainer.
 */

/** γ and the noise estimate in force for one step, reported in training metrics. */
export interface GammaReading {
  gamma: number;
  /** Smoothed fraction of implausible tokens (NaN for strategies that do not estimate noise). */
  rho: number;
}

/** A rule that picks γ for the next step from what the model said about earlier batches. */
export interface GammaStrategy {
  readonly name: string;
  /** γ (and ρ) to use for the next step. */
  current(): GammaReading;
  /**
   * Feeds one batch's per-token log-probabilities of the reference tokens (mask: 1 = real token),
   * laid out [B, seqLen] row-major; `seqLen` is needed by estimates that count whole sequences.
   */
  observe(tokenLogp: ArrayLike<number>, mask: ArrayLike<number>, seqLen?: number): void;
}

/** TaiLr with a hand-set γ (γ = 0 is plain MLE). */
export class FixedGamma implements GammaStrategy {
  readonly name: string;
  readonly #gamma: number;

  constructor(gamma: number) {
    if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`gamma must be in [0, 1], got ${gamma}`);
    this.#gamma = gamma;
    this.name = gamma === 0 ? 'mle' : `fixed(${gamma})`;
  }

  current(): GammaReading {
    return { gamma: this.#gamma, rho: Number.NaN };
  }

  observe(): void {}
}

/** Options of {@link AdaptiveGamma}. */
export interface AdaptiveGammaOptions {
  /** Vocabulary size; the default floor is 10/|V|. */
  vocabSize: number;
  /** Probability under which a reference token counts as implausible. Default `10 / vocabSize`. */
  pMin?: number;
  /** EMA smoothing of ρ per observed batch (weight of the new batch). Default 0.1. */
  emaAlpha?: number;
  /**
   * Steps with γ = 0 while the model is still near-uniform and ρ means nothing. Default 20;
   * `trainWithNoiseControl` passes the run's learning-rate warm-up unless the loss config sets one.
   */
  warmupSteps?: number;
  /** Keeps ρ/(1 − ρ) finite. Default 1e-6. */
  eps?: number;
  /**
   * Upper clamp of γ (γ = clamp(ρ/(1−ρ+ε), 0, gammaMax)). Default 0.25: near γ ≥ 0.5 the weights of
   * not-yet-learned clean tokens collapse too, ρ stays high and training stalls; at 0.35 one seed in
   * three still stalled at 40 % noise, at 0.25 none did, also on seeds 4–6 (docs/adatailr.md).
   */
  gammaMax?: number;
  /**
   * What ρ counts. `token`: the fraction of real tokens with p_t < p_min (the rule as first written).
   * `sequence`: the fraction of captions with at least one such token — the fraction of implausible
   * rows, which is what "the data's noise level" means for caption noise (a wrong caption usually
   * has one or two implausible tokens among several plausible ones). Default `sequence`: with
   * `token` the estimate reads 0.05 at 40% corrupted captions (docs/adatailr.md, "Tuning").
   */
  unit?: NoiseUnit;
}

/** What the adaptive noise estimate counts: implausible tokens or implausible captions. */
export type NoiseUnit = 'token' | 'sequence';

/**
 * Our AdaTaiLr rule: ρ = EMA of the fraction of captions (or, with `unit: 'token'`, of real tokens)
 * having a token with p_t < p_min; γ = clamp(ρ/(1−ρ+ε), 0, γ_max). Clean data (ρ → 0) gives MLE;
 * noisy data moves toward the TVD end, without being told the noise level.
 */
export class AdaptiveGamma implements GammaStrategy {
  readonly name = 'adaptive';
  readonly #pMin: number;
  readonly #logPMin: number;
  readonly #alpha: number;
  readonly #warmup: number;
  readonly #eps: number;
  readonly #unit: NoiseUnit;
  readonly #gammaMax: number;
  #rho = Number.NaN;
  #steps = 0;

  constructor(options: AdaptiveGammaOptions) {
    if (!(Number.isInteger(options.vocabSize) && options.vocabSize > 1)) {
      throw new RangeError(`vocabSize must be an integer > 1, got ${options.vocabSize}`);
    }
    this.#pMin = options.pMin ?? 10 / options.vocabSize;
    if (!(this.#pMin > 0 && this.#pMin < 1)) throw new RangeError(`pMin must be in (0, 1), got ${this.#pMin}`);
    this.#logPMin = Math.log(this.#pMin);
    this.#alpha = options.emaAlpha ?? 0.1;
    if (!(this.#alpha > 0 && this.#alpha <= 1)) throw new RangeError(`emaAlpha must be in (0, 1], got ${this.#alpha}`);
    this.#warmup = options.warmupSteps ?? 20;
    if (!(Number.isInteger(this.#warmup) && this.#warmup >= 0))
      throw new RangeError(`warmupSteps must be an integer >= 0, got ${this.#warmup}`);
    this.#eps = options.eps ?? 1e-6;
    this.#unit = options.unit ?? 'sequence';
    this.#gammaMax = options.gammaMax ?? 0.25;
    if (!(this.#gammaMax >= 0 && this.#gammaMax <= 1))
      throw new RangeError(`gammaMax must be in [0, 1], got ${this.#gammaMax}`);
    if (this.#unit !== 'token' && this.#unit !== 'sequence')
      throw new RangeError(`unit must be "token" or "sequence", got ${JSON.stringify(this.#unit)}`);
  }

  /** What ρ counts. */
  get unit(): NoiseUnit {
    return this.#unit;
  }

  /** The probability floor in use. */
  get pMin(): number {
    return this.#pMin;
  }

  current(): GammaReading {
    if (this.#steps < this.#warmup || Number.isNaN(this.#rho)) return { gamma: 0, rho: this.#rho };
    const gamma = Math.min(this.#gammaMax, Math.max(0, this.#rho / (1 - this.#rho + this.#eps)));
    return { gamma, rho: this.#rho };
  }

  observe(tokenLogp: ArrayLike<number>, mask: ArrayLike<number>, seqLen?: number): void {
    const { low, n } =
      this.#unit === 'token' ? this.#countTokens(tokenLogp, mask) : this.#countSequences(tokenLogp, mask, seqLen);
    this.#steps++;
    if (n === 0) return;
    const frac = low / n;
    this.#rho = Number.isNaN(this.#rho) ? frac : (1 - this.#alpha) * this.#rho + this.#alpha * frac;
  }

  #countTokens(tokenLogp: ArrayLike<number>, mask: ArrayLike<number>): { low: number; n: number } {
    let low = 0;
    let n = 0;
    for (let i = 0; i < tokenLogp.length; i++) {
      if (!mask[i]) continue;
      n++;
      if (tokenLogp[i] < this.#logPMin) low++;
    }
    return { low, n };
  }

  #countSequences(
    tokenLogp: ArrayLike<number>,
    mask: ArrayLike<number>,
    seqLen: number | undefined,
  ): { low: number; n: number } {
    if (!(seqLen !== undefined && Number.isInteger(seqLen) && seqLen > 0 && tokenLogp.length % seqLen === 0)) {
      throw new RangeError(
        `adaptive γ (unit "sequence"): seqLen must divide the ${tokenLogp.length} log-probs, got ${seqLen}`,
      );
    }
    let low = 0;
    let n = 0;
    for (let b = 0; b < tokenLogp.length / seqLen; b++) {
      let real = false;
      let bad = false;
      for (let i = b * seqLen; i < (b + 1) * seqLen; i++) {
        if (!mask[i]) continue;
        real = true;
        if (tokenLogp[i] < this.#logPMin) bad = true;
      }
      if (real) n++;
      if (bad) low++;
    }
    return { low, n };
  }
}
