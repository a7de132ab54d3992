/** Reductions along axes (sum, mean, max, arg-max) and (log-)softmax. */
import { type Dim, type Tensor } from '../graph.js';
import { ints } from './constants.js';
import { g, norm } from './util.js';

/** The static shape left after reducing `axes` (kept as 1 with `keepdims`). */
function reducedShape(a: Tensor, axes: readonly number[], keepdims: boolean): Dim[] {
  const ax = axes.map((x) => norm(x, a.rank));
  const out: Dim[] = [];
  a.shape.forEach((d, i) => {
    if (!ax.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/** Sum over `axes` (all axes when empty). */
export function reduceSum(a: Tensor, axes: readonly number[], keepdims = false): Tensor {
  const ax = (axes.length ? axes : a.shape.map((_, i) => i)).map((x) => norm(x, a.rank));
  return g(a).node('ReduceSum', [a, ints(g(a), ax)], [{ dtype: a.dtype, shape: reducedShape(a, ax, keepdims) }], {
    keepdims: { kind: 'int', value: keepdims ? 1 : 0 },
  })[0];
}

/** Mean over `axes` (all axes when empty). */
export function reduceMean(a: Tensor, axes: readonly number[], keepdims = false): Tensor {
  const ax = (axes.length ? axes : a.shape.map((_, i) => i)).map((x) => norm(x, a.rank));
  return g(a).node('ReduceMean', [a], [{ dtype: a.dtype, shape: reducedShape(a, ax, keepdims) }], {
    axes: { kind: 'ints', value: ax },
    keepdims: { kind: 'int', value: keepdims ? 1 : 0 },
  })[0];
}

/** Max over `axes` (no gradient rule: used on detached paths only). */
export function reduceMax(a: Tensor, axes: readonly number[], keepdims = false): Tensor {
  const ax = axes.map((x) => norm(x, a.rank));
  return g(a).node('ReduceMax', [a], [{ dtype: a.dtype, shape: reducedShape(a, ax, keepdims) }], {
    axes: { kind: 'ints', value: ax },
    keepdims: { kind: 'int', value: keepdims ? 1 : 0 },
  })[0];
}

/** Softmax along `axis`. */
export function softmax(a: Tensor, axis = -1): Tensor {
  return g(a).node('Softmax', [a], [{ dtype: a.dtype, shape: a.shape }], {
    axis: { kind: 'int', value: norm(axis, a.rank) },
  })[0];
}

/** Log-softmax along `axis`. */
export function logSoftmax(a: Tensor, axis = -1): Tensor {
  return g(a).node('LogSoftmax', [a], [{ dtype: a.dtype, shape: a.shape }], {
    axis: { kind: 'int', value: norm(axis, a.rank) },
  })[0];
}

/** Arg-max along `axis` (int64; inference only). */
export function argMax(a: Tensor, axis: number, keepdims = false): Tensor {
  const ax = norm(axis, a.rank);
  return g(a).node('ArgMax', [a], [{ dtype: 'int64', shape: reducedShape(a, [ax], keepdims) }], {
    axis: { kind: 'int', value: ax },
    keepdims: { kind: 'int', value: keepdims ? 1 : 0 },
  })[0];
}
