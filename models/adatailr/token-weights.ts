/**
 * TaiLr's per-token weight on the host: w = p / (γ + (1 − γ)·p), clamped to [w_min, 1].
 * The training graph computes the same thing in ONNX; this copy scores rows in the filter
 * stage and is the reference the graph is tested against.
 */

/** The TaiLr weight of one token whose reference probability under the model is `p`. */
export function tailrWeight(p: number, gamma: number, wMin: number): number {
  // γ = 0 is plain MLE (w = 1) — also when p = 0, where the formula is 0/0.
  const denom = gamma + (1 - gamma) * p;
  const w = denom > 0 ? p / denom : 1;
  return Math.min(1, Math.max(wMin, w));
}

/** Weights for a whole sequence of token log-probabilities. */
export function tailrWeights(tokenLogp: ArrayLike<number>, gamma: number, wMin: number): Float32Array {
  const out = new Float32Array(tokenLogp.length);
  for (let i = 0; i < tokenLogp.length; i++) out[i] = tailrWeight(Math.exp(tokenLogp[i]), gamma, wMin);
  return out;
}

/** The weighted negative log-likelihood −Σ w_t·log p_t / Σ mask over one batch, as the graph computes it. */
export function weightedNll(
  tokenLogp: ArrayLike<number>,
  mask: ArrayLike<number>,
  sampleWeight: ArrayLike<number>,
  seqLen: number,
  gamma: number,
  wMin: number,
): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < tokenLogp.length; i++) {
    const b = Math.floor(i / seqLen);
    const m = mask[i] * sampleWeight[b];
    if (m === 0) continue;
    num += -m * tailrWeight(Math.exp(tokenLogp[i]), gamma, wMin) * tokenLogp[i];
    den += m;
  }
  return den > 0 ? num / den : 0;
}
