/**
 * Loss truncation (Kang & Hashimoto, 2020), a baseline kept beside AdaTaiLr: drop the
 * highest-loss fraction of each batch by giving those samples weight 0.
 */

/** Per-sample weights (1 keep, 0 drop) that drop the `dropFraction` highest losses; ties keep the earlier sample. */
export function truncationWeights(perSampleLoss: ArrayLike<number>, dropFraction: number): Float32Array {
  if (!(dropFraction >= 0 && dropFraction < 1))
    throw new RangeError(`dropFraction must be in [0, 1), got ${dropFraction}`);
  const n = perSampleLoss.length;
  const out = new Float32Array(n).fill(1);
  const drop = Math.floor(dropFraction * n);
  if (drop === 0) return out;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => perSampleLoss[b] - perSampleLoss[a] || b - a);
  for (let i = 0; i < drop; i++) out[order[i]] = 0;
  return out;
}

/** Mean NLL per sample from per-token log-probs laid out [B, L] with a [B, L] mask. */
export function perSampleNll(
  tokenLogp: ArrayLike<number>,
  mask: ArrayLike<number>,
  batch: number,
  seqLen: number,
): Float32Array {
  const out = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    let s = 0;
    let n = 0;
    for (let t = 0; t < seqLen; t++) {
      const i = b * seqLen + t;
      if (!mask[i]) continue;
      s -= tokenLogp[i];
      n++;
    }
    out[b] = n > 0 ? s / n : 0;
  }
  return out;
}
