/**
 * Finite-difference gradient checking for graph-builder ops: builds
 * loss = Σ f(x)·R in float64 with the autodiff's gradients as extra outputs,
 * runs it in ORT, and compares each gradient entry with a central difference.
 */
import * as ort from 'onnxruntime-node';
import { Graph, type Tensor } from '../../../models/graph/graph.js';
import * as o from '../../../models/graph/ops.js';
import { gradients } from '../../../models/graph/autodiff.js';
import { serialize } from '../../../models/graph/serialize.js';
import { mulberry32 } from '../../../models/rng.js';

/** A float64 input of a check: its shape, and optionally its values or a value range. */
export interface CheckInput {
  readonly shape: readonly number[];
  readonly values?: readonly number[];
  /** Uniform range for random values (default [-1, 1]). */
  readonly range?: readonly [number, number];
}

/** Result of a check: worst absolute error, how many entries were compared, and the autodiff's gradients. */
export interface CheckResult {
  readonly maxErr: number;
  readonly checked: number;
  readonly failures: string[];
  /** The analytic gradient of the loss with respect to each input (all entries). */
  readonly analytic: Float64Array[];
}

/** Op types appearing in graphs built by `gradCheck` calls (for coverage assertions). */
export const OPS_SEEN = new Set<string>();

/** Builds f in float64, differentiates it, and compares against central differences. */
export async function gradCheck(
  build: (g: Graph, xs: Tensor[]) => Tensor,
  inputs: readonly CheckInput[],
  opts: { eps?: number; atol?: number; rtol?: number; seed?: number } = {},
): Promise<CheckResult> {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-5;
  const r = mulberry32(opts.seed ?? 1);
  const g = new Graph('gradcheck');
  const xs = inputs.map((inp, i) => g.input(`x${i}`, 'float64', inp.shape));
  const nForward = g.nodes.length;
  const y = build(g, xs);
  for (const n of g.nodes.slice(nForward)) OPS_SEEN.add(n.op);
  const yShape = y.shape.map(Number);
  const nY = yShape.reduce((a, b) => a * b, 1);
  const R = o.constant(
    g,
    'float64',
    yShape,
    Array.from({ length: nY }, () => r() * 2 - 1),
  );
  const loss = o.reduceSum(o.mul(y, R), [], false);
  const grads = gradients(loss, xs);
  g.output(loss, 'loss');
  grads.forEach((gr, i) => g.output(gr, `g${i}`));
  const session = await ort.InferenceSession.create(serialize(g), {
    intraOpNumThreads: 1,
    graphOptimizationLevel: 'disabled',
  });
  const data = inputs.map((inp) => {
    const n = inp.shape.reduce((a, b) => a * b, 1);
    const [lo, hi] = inp.range ?? [-1, 1];
    return Float64Array.from(inp.values ?? Array.from({ length: n }, () => lo + (hi - lo) * r()));
  });
  const feeds = (): Record<string, ort.Tensor> =>
    Object.fromEntries(
      data.map((d, i) => [`x${i}`, new ort.Tensor('float64', Float64Array.from(d), inputs[i].shape as number[])]),
    );
  const out = await session.run(feeds());
  const analytic = inputs.map((_, i) => Float64Array.from(out[`g${i}`].data as Float64Array));
  const failures: string[] = [];
  let maxErr = 0;
  let checked = 0;
  for (let i = 0; i < inputs.length; i++) {
    const ana = out[`g${i}`].data as Float64Array;
    const idx = Array.from({ length: data[i].length }, (_, j) => j);
    for (const j of idx.length > 40 ? idx.filter(() => r() < 40 / idx.length) : idx) {
      const orig = data[i][j];
      data[i][j] = orig + eps;
      const lp = ((await session.run(feeds())).loss.data as Float64Array)[0];
      data[i][j] = orig - eps;
      const lm = ((await session.run(feeds())).loss.data as Float64Array)[0];
      data[i][j] = orig;
      const num = (lp - lm) / (2 * eps);
      const err = Math.abs(num - ana[j]);
      maxErr = Math.max(maxErr, err);
      checked++;
      if (err > atol + rtol * Math.abs(num)) failures.push(`x${i}[${j}]: analytic ${ana[j]} vs numeric ${num}`);
    }
  }
  await session.release();
  return { maxErr, checked, failures, analytic };
}
