/**
 * The noise-control loss hook (TaiLr weights, the base of AdaTaiLr), built
 * into the training graph:
 *
 *   p_t  = exp(logp_t)                                   (reference token)
 *   w_t  = clamp(p_t / (γ + (1−γ)·p_t), w_min, 1)        detached (stopGradient)
 *   loss = −Σ_b Σ_t s_b·w_bt·m_bt·logp_bt / Σ_b Σ_t s_b·m_bt
 *
 * with s = per-sample weight (1 keep, 0 drop, or a weight) and m = non-pad
 * mask. γ = 0 gives plain MLE (w = 1). The 0/0 case (γ = 0, p = 0) is guarded:
 * where the denominator underflows, w = 1 (its limit as p → 0 at γ = 0).
 */
import { type Tensor } from './graph/graph.js';
import * as o from './graph/ops.js';

/** Tensors of the weighted loss. */
export interface TailrLoss {
  /** Scalar loss (what the gradient is taken of). */
  readonly loss: Tensor;
  /** Detached token weights w [B, L] (0 at pads). */
  readonly tokenWeight: Tensor;
  /** Per-token log p of the reference token [B, L] (0 at pads), detached. */
  readonly tokenLogp: Tensor;
}

/**
 * Builds the weighted loss from per-token log-probs `logp` [B,L], the non-pad
 * `mask` [B,L] (same float dtype), `sampleWeight` [B] and scalars `gamma`, `wMin`.
 */
export function tailrLoss(logp: Tensor, mask: Tensor, sampleWeight: Tensor, gamma: Tensor, wMin: Tensor): TailrLoss {
  const one = o.scalarLike(logp, 1);
  const zero = o.scalarLike(logp, 0);
  const tiny = o.scalarLike(logp, 1e-30);
  const p = o.exp(o.stopGradient(logp));
  const den = o.add(gamma, o.mul(o.sub(one, gamma), p));
  const ratio = o.where(o.greater(den, tiny), o.div(p, o.max(den, tiny)), one);
  const w = o.stopGradient(o.min(o.max(ratio, wMin), one));
  const sm = o.mul(o.unsqueeze(sampleWeight, [1]), mask);
  const num = o.reduceSum(o.mul(o.mul(sm, w), logp), [], false);
  const total = o.reduceSum(sm, [], false);
  const loss = o.neg(o.div(num, o.max(total, tiny)));
  return {
    loss,
    tokenWeight: o.mul(w, mask),
    tokenLogp: o.where(o.greater(mask, zero), o.stopGradient(logp), zero),
  };
}
