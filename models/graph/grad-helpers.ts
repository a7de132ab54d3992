/**
 * Small building blocks shared by the gradient rules: reading a node's inputs and constants,
 * un-broadcasting a gradient, and undoing reductions.
 */
import { type Node, type Tensor } from './graph.js';
import * as o from './ops.js';

/** Computes the input gradients of one node from its output gradients; `need[i]` says which inputs want one. */
export type GradRule = (node: Node, gys: readonly (Tensor | null)[], need: readonly boolean[]) => (Tensor | null)[];

/** A node's `i`-th input, which must be present. */
export function inp(node: Node, i: number): Tensor {
  const t = node.inputs[i];
  if (!t) throw new Error(`${node.op}: input ${i} is omitted`);
  return t;
}

/** Reads the constant values of an initializer (for axes/starts/ends inputs). */
export function constValues(t: Tensor): number[] {
  const init = t.graph.initializers.find((i) => i.tensor === t);
  if (!init) throw new Error(`autodiff: ${t.name} must be a constant`);
  return Array.from(init.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** Sums a broadcast gradient `gy` back to the static shape of `x` (numpy un-broadcasting). */
export function sumToShape(gy: Tensor, x: Tensor): Tensor {
  const lead = gy.rank - x.rank;
  if (lead < 0) throw new Error(`sumToShape: gradient rank ${gy.rank} < operand rank ${x.rank}`);
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  for (let i = 0; i < x.rank; i++) if (x.shape[i] === 1 && gy.shape[i + lead] !== 1) axes.push(i + lead);
  let r = gy;
  if (axes.length) r = o.reduceSum(r, axes, true);
  if (lead) r = o.squeeze(r, axes.slice(0, lead));
  return r;
}

/** Swaps the last two axes (a matmul gradient's transpose). */
export function swapLast(t: Tensor): Tensor {
  const perm = t.shape.map((_, i) => i);
  perm[t.rank - 1] = t.rank - 2;
  perm[t.rank - 2] = t.rank - 1;
  return o.transpose(t, perm);
}

/** A zero scalar of the tensor's type (broadcasts where a zero gradient is needed). */
export function zeroLike(t: Tensor): Tensor {
  return o.scalarLike(t, 0);
}

/** Broadcast-aware gradient of a reduction: expands gy (reduced over `axes`) back to x's shape. */
export function unreduce(gy: Tensor, x: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
  const ax = axes.map((a) => (a < 0 ? a + x.rank : a));
  const g1 = keepdims ? gy : o.unsqueeze(gy, ax);
  return o.expand(g1, o.shapeOf(x), x.shape);
}

/** How many elements a reduction over `axes` averages (static when the shape is known, a graph value otherwise). */
export function reduceCount(x: Tensor, axes: readonly number[]): Tensor {
  const dims = axes.map((a) => x.shape[a < 0 ? a + x.rank : a]);
  if (dims.every((d) => typeof d === 'number'))
    return o.scalarLike(
      x,
      dims.reduce((a, b) => a * b, 1),
    );
  const picked = o.gather(
    o.shapeOf(x),
    o.ints(
      x.graph,
      axes.map((a) => (a < 0 ? a + x.rank : a)),
    ),
  );
  const prod = x.graph.node('ReduceProd', [picked], [{ dtype: 'int64', shape: [] }], {
    keepdims: { kind: 'int', value: 0 },
  })[0];
  return o.cast(prod, x.dtype);
}
