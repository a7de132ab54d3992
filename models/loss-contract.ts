/**
 * The noise-control contract between the training step and AdaTaiLr (the
 * host-side γ strategy). Types only; the graph side is `loss.ts`.
 */

/**
 * Per-step inputs the host sets and outputs it reads back.
 *
 * Inputs: `gamma` ∈ [0,1] (0 = MLE), `wMin` ∈ [0,1], `sampleWeight` [B]
 * (1 keep, 0 drop, or a weight). Token weights
 * w_t = clamp(p_t / (γ + (1−γ)·p_t), w_min, 1) are detached; the loss is
 * −Σ_b Σ_t s_b·w_bt·m_bt·log p_bt / Σ_b Σ_t s_b·m_bt with m = non-pad mask.
 *
 * Outputs: `loss`, `tokenLogp` [B·L] (log p of each reference token, 0 at
 * pads — feed it to the noise estimate), `tokenWeight` [B·L] (the w used).
 */
export interface LossContract {
  readonly inputs: { readonly gamma: number; readonly wMin: number; readonly sampleWeight: Float32Array };
  readonly outputs: {
    readonly loss: number;
    readonly tokenLogp: Float32Array;
    readonly tokenWeight: Float32Array;
    readonly dims: readonly [number, number];
  };
}
