/**
 * The adatailr stage's arithmetic on one call's rows: TaiLr token weights and NLL of a chosen
 * caption, the AdaTaiLr noise estimate of the rows, and which clips each clip is contrasted with.
 */
import { AdaptiveGamma } from '../../models/adatailr/gamma-strategy.js';
import { tailrWeights } from '../../models/adatailr/token-weights.js';

/** Per-row scores from per-token log-probs: mean weight and mean NLL (NaN for an empty caption). */
export function rowScore(
  tokenLogp: readonly number[],
  gamma: number,
  wMin: number,
): { weights: Float32Array; meanWeight: number; nll: number } {
  const weights = tailrWeights(tokenLogp, gamma, wMin);
  if (tokenLogp.length === 0) return { weights, meanWeight: Number.NaN, nll: Number.NaN };
  let w = 0;
  let nll = 0;
  for (let i = 0; i < tokenLogp.length; i++) {
    w += weights[i];
    nll -= tokenLogp[i];
  }
  return { weights, meanWeight: w / tokenLogp.length, nll: nll / tokenLogp.length };
}

/**
 * The AdaTaiLr noise estimate of the rows being scored (our rule, no smoothing): ρ̂ = share of
 * implausible captions, γ = the rule's γ for that ρ̂. ρ̂ = 0 when there is nothing to score.
 */
export function noiseEstimate(
  tokenLogps: readonly (readonly number[])[],
  vocabSize: number,
): { rho: number; gamma: number } {
  const rule = new AdaptiveGamma({ vocabSize, warmupSteps: 0, emaAlpha: 1 });
  const seqLen = Math.max(1, ...tokenLogps.map((r) => r.length));
  const logp = new Float64Array(tokenLogps.length * seqLen);
  const mask = new Uint8Array(tokenLogps.length * seqLen);
  tokenLogps.forEach((r, b) => {
    logp.set(r, b * seqLen);
    mask.fill(1, b * seqLen, b * seqLen + r.length);
  });
  rule.observe(logp, mask, seqLen);
  const { rho, gamma } = rule.current();
  return Number.isNaN(rho) ? { rho: 0, gamma: 0 } : { rho, gamma };
}

/** The clips each clip's frames are contrasted with: `m` of the others, spread over the batch. */
export function contrastClips(n: number, i: number, m: number): number[] {
  const count = Math.min(m, n - 1);
  const stride = Math.max(1, Math.floor(n / (count + 1)));
  return Array.from({ length: count }, (_, k) => (i + (k + 1) * stride) % n);
}
