/**
 * The tail every training-step graph shares: the backward pass from a scalar loss, then either the
 * raw gradients (gradient checks) or the in-graph AdamW update with its schedule inputs, under the
 * names of {@link ADAMW_IO} — so the captioner and the probe train through one `Trainer`-style host.
 */
import { gradients } from './graph/autodiff.js';
import { type FloatDType, type Graph, type Tensor } from './graph/graph.js';
import { ADAMW_DEFAULTS, ADAMW_IO, type AdamWConstants, adamW } from './optim.js';

/** A trainable parameter as the step sees it: its spec and its graph input. */
export interface StepParam {
  readonly name: string;
  readonly shape: readonly number[];
  /** Decoupled weight decay applies. */
  readonly decay: boolean;
  readonly value: Tensor;
}

/** How the step ends. */
export interface TrainStepOptions {
  /** Include the AdamW update (default true); false outputs `grad.<name>` instead. */
  readonly optimizer?: boolean;
  /** AdamW constants (default ADAMW_DEFAULTS). */
  readonly adam?: AdamWConstants;
}

/**
 * Appends the gradients of `loss`, the graph's reported outputs, then the step's own: the gradients, or
 * AdamW's next parameters and moments.
 */
export function appendTrainStep(
  g: Graph,
  dtype: FloatDType,
  loss: Tensor,
  params: readonly StepParam[],
  opts: TrainStepOptions & {
    /** The graph's own outputs (the loss and what it reports per row or token), by name. */
    readonly report: Readonly<Record<string, Tensor>>;
  },
): void {
  const grads = gradients(
    loss,
    params.map((p) => p.value),
  );
  for (const [name, t] of Object.entries(opts.report)) g.output(t, name);
  if (opts.optimizer === false) {
    params.forEach((p, i) => g.output(grads[i], ADAMW_IO.grad(p.name)));
    return;
  }
  const scalar = (n: string): Tensor => g.input(n, dtype, []);
  const scalars = {
    step: scalar(ADAMW_IO.step),
    lr: scalar(ADAMW_IO.lr),
    warmupSteps: scalar(ADAMW_IO.warmupSteps),
    totalSteps: scalar(ADAMW_IO.totalSteps),
    weightDecay: scalar(ADAMW_IO.weightDecay),
    maxGradNorm: scalar(ADAMW_IO.maxGradNorm),
  };
  const slots = params.map((p, i) => ({
    param: p.value,
    grad: grads[i],
    m: g.input(ADAMW_IO.m(p.name), dtype, p.shape),
    v: g.input(ADAMW_IO.v(p.name), dtype, p.shape),
    decay: p.decay,
  }));
  const { updates, gradNorm, lr } = adamW(slots, scalars, opts.adam ?? ADAMW_DEFAULTS);
  g.output(gradNorm, ADAMW_IO.gradNorm);
  g.output(lr, ADAMW_IO.lrUsed);
  params.forEach((p, i) => {
    g.output(updates[i].param, ADAMW_IO.paramOut(p.name));
    g.output(updates[i].m, ADAMW_IO.mOut(p.name));
    g.output(updates[i].v, ADAMW_IO.vOut(p.name));
  });
}
