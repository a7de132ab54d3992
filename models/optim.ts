/**
 * AdamW inside the training-step graph: global grad-norm clipping, moment
 * updates with bias correction, decoupled weight decay, and the learning-rate
 * schedule (linear warm-up, then linear decay to `minLrRatio`·lr), all as ONNX
 * nodes. The step counter and base LR are graph inputs, so one graph serves
 * every step.
 */
import { type Tensor } from './graph/graph.js';
import * as o from './graph/ops.js';

/** AdamW constants baked into the graph. */
export interface AdamWConstants {
  /** Default 0.9. */
  readonly beta1: number;
  /** Default 0.98. */
  readonly beta2: number;
  /** Default 1e-8. */
  readonly eps: number;
  /** Floor of the decay schedule as a fraction of lr. Default 0.1. */
  readonly minLrRatio: number;
}

/**
 * Graph input/output names every training-step graph with the in-graph AdamW shares: its schedule
 * scalars, each parameter's value and moments in and out, and the step's reported norm and LR.
 */
export const ADAMW_IO = {
  step: 'step',
  lr: 'lr',
  warmupSteps: 'warmup_steps',
  totalSteps: 'total_steps',
  weightDecay: 'weight_decay',
  maxGradNorm: 'max_grad_norm',
  gradNorm: 'grad_norm',
  lrUsed: 'lr_used',
  param: (n: string) => `p.${n}`,
  m: (n: string) => `m.${n}`,
  v: (n: string) => `v.${n}`,
  paramOut: (n: string) => `p.${n}.next`,
  mOut: (n: string) => `m.${n}.next`,
  vOut: (n: string) => `v.${n}.next`,
  grad: (n: string) => `grad.${n}`,
} as const;

/** Defaults for `AdamWConstants`. */
export const ADAMW_DEFAULTS: AdamWConstants = { beta1: 0.9, beta2: 0.98, eps: 1e-8, minLrRatio: 0.1 };

/** Scalar run-time inputs of the optimizer (all float scalars of the graph's dtype). */
export interface AdamWScalars {
  /** 1-based step number t. */
  readonly step: Tensor;
  /** Base learning rate. */
  readonly lr: Tensor;
  /** Warm-up steps (LR ramps linearly from 0 to lr). */
  readonly warmupSteps: Tensor;
  /** Total planned steps (LR decays linearly to minLrRatio·lr by then). */
  readonly totalSteps: Tensor;
  /** Decoupled weight decay coefficient. */
  readonly weightDecay: Tensor;
  /** Clip the global gradient L2 norm to this (≤ 0 disables clipping). */
  readonly maxGradNorm: Tensor;
}

/** One parameter's state going into the update. */
export interface AdamWSlot {
  readonly param: Tensor;
  readonly grad: Tensor;
  readonly m: Tensor;
  readonly v: Tensor;
  readonly decay: boolean;
}

/** Updated state for one slot. */
export interface AdamWUpdate {
  readonly param: Tensor;
  readonly m: Tensor;
  readonly v: Tensor;
}

/** Appends the AdamW update for all slots; returns new states, the pre-clip gradient norm and the LR used. */
export function adamW(
  slots: readonly AdamWSlot[],
  s: AdamWScalars,
  c: AdamWConstants = ADAMW_DEFAULTS,
): { updates: AdamWUpdate[]; gradNorm: Tensor; lr: Tensor } {
  const x = s.step;
  const k = (v: number): Tensor => o.scalarLike(x, v);
  let sq: Tensor | null = null;
  for (const slot of slots) {
    const t = o.reduceSum(o.mul(slot.grad, slot.grad), [], false);
    sq = sq ? o.add(sq, t) : t;
  }
  const gradNorm = o.sqrt(sq ?? k(0));
  const clipCoef = o.where(
    o.greater(s.maxGradNorm, k(0)),
    o.min(k(1), o.div(s.maxGradNorm, o.add(gradNorm, k(1e-6)))),
    k(1),
  );
  const warm = o.min(k(1), o.div(s.step, o.max(s.warmupSteps, k(1))));
  const progress = o.min(
    k(1),
    o.max(k(0), o.div(o.sub(s.step, s.warmupSteps), o.max(o.sub(s.totalSteps, s.warmupSteps), k(1)))),
  );
  const decayFactor = o.sub(k(1), o.mul(k(1 - c.minLrRatio), progress));
  const lr = o.mul(o.mul(s.lr, warm), decayFactor);
  const bc1 = o.sub(k(1), o.pow(k(c.beta1), s.step));
  const bc2 = o.sub(k(1), o.pow(k(c.beta2), s.step));
  const updates = slots.map((slot) => {
    const g = o.mul(slot.grad, clipCoef);
    const m = o.add(o.mul(k(c.beta1), slot.m), o.mul(k(1 - c.beta1), g));
    const v = o.add(o.mul(k(c.beta2), slot.v), o.mul(k(1 - c.beta2), o.mul(g, g)));
    let upd = o.div(o.div(m, bc1), o.add(o.sqrt(o.div(v, bc2)), k(c.eps)));
    if (slot.decay) upd = o.add(upd, o.mul(s.weightDecay, slot.param));
    return { param: o.sub(slot.param, o.mul(lr, upd)), m, v };
  });
  return { updates, gradNorm, lr };
}
