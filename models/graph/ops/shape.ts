/**
 * Shape ops: reshape, transpose, (un)squeeze, concat, slicing, expand, pad and
 * the runtime-shape builders (Shape, ConstantOfShape, Range, Trilu).
 */
import { type DType, type Dim, type Shape, type Tensor } from '../graph.js';
import { scalar, ints } from './constants.js';
import { dataOf, dimProd, dimSum, g, norm, sameDtype } from './util.js';

/** The runtime shape of a tensor as a 1-D int64 tensor. */
export function shapeOf(a: Tensor): Tensor {
  return g(a).node('Shape', [a], [{ dtype: 'int64', shape: [a.rank] }])[0];
}

/**
 * Reshape with an ONNX spec (0 = copy the input dim, −1 = infer). The static
 * output shape is derived from the spec; a −1 dim becomes a symbolic product
 * when the input has symbolic dims.
 */
export function reshape(a: Tensor, spec: readonly number[]): Tensor {
  const out: Dim[] = spec.map((s, i) => (s === 0 ? a.shape[i] : s));
  const inf = spec.indexOf(-1);
  if (inf >= 0) {
    const total = dimProd(a.shape);
    const rest = out.filter((_, i) => i !== inf);
    if (typeof total === 'number' && rest.every((d) => typeof d === 'number')) {
      out[inf] = total / rest.reduce((x, y) => x * y, 1);
    } else {
      // Cancel known dims symbolically where possible (enough for our models' [B*T, ...] patterns).
      const numer = a.shape.filter((d) => d !== 1);
      const denom = rest.filter((d) => d !== 1);
      const left = [...numer];
      let ok = true;
      for (const d of denom) {
        const j = left.indexOf(d);
        if (j >= 0) left.splice(j, 1);
        else ok = false;
      }
      out[inf] = ok ? dimProd(left) : `(${dimProd(a.shape)})/(${dimProd(rest)})`;
    }
  }
  return g(a).node('Reshape', [a, ints(g(a), spec)], [{ dtype: a.dtype, shape: out }])[0];
}

/** Reshape to a runtime shape tensor; the caller states the resulting static shape. */
export function reshapeTo(a: Tensor, shape: Tensor, staticShape: Shape): Tensor {
  return g(a).node('Reshape', [a, shape], [{ dtype: a.dtype, shape: staticShape }])[0];
}

/** Permutes dimensions. */
export function transpose(a: Tensor, perm: readonly number[]): Tensor {
  if (perm.length !== a.rank) throw new Error(`Transpose: perm length ${perm.length} ≠ rank ${a.rank}`);
  return g(a).node('Transpose', [a], [{ dtype: a.dtype, shape: perm.map((p) => a.shape[p]) }], {
    perm: { kind: 'ints', value: perm },
  })[0];
}

/** Inserts size-1 dims at `axes` (positions in the output). */
export function unsqueeze(a: Tensor, axes: readonly number[]): Tensor {
  const r = a.rank + axes.length;
  const ax = axes.map((x) => norm(x, r)).sort((x, y) => x - y);
  const out: Dim[] = [];
  let j = 0;
  for (let i = 0; i < r; i++) out.push(ax.includes(i) ? 1 : a.shape[j++]);
  return g(a).node('Unsqueeze', [a, ints(g(a), ax)], [{ dtype: a.dtype, shape: out }])[0];
}

/** Removes size-1 dims at `axes`. */
export function squeeze(a: Tensor, axes: readonly number[]): Tensor {
  const ax = axes.map((x) => norm(x, a.rank));
  return g(a).node(
    'Squeeze',
    [a, ints(g(a), ax)],
    [{ dtype: a.dtype, shape: a.shape.filter((_, i) => !ax.includes(i)) }],
  )[0];
}

/** Concatenates along `axis`. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  const dtype = sameDtype('Concat', ...xs);
  const ax = norm(axis, xs[0].rank);
  const shape = [...xs[0].shape];
  shape[ax] = dimSum(xs.map((x) => x.shape[ax]));
  return g(xs[0]).node('Concat', xs, [{ dtype, shape }], { axis: { kind: 'int', value: ax } })[0];
}

/**
 * Slices [start, end) along one axis with step 1. `end` may exceed the size
 * (clamped, e.g. Number.MAX_SAFE_INTEGER for "to the end"); negative values count from the end.
 */
export function slice(a: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = norm(axis, a.rank);
  const shape = [...a.shape];
  const d = a.shape[ax];
  if (typeof d === 'number') {
    const s = Math.max(0, Math.min(d, start < 0 ? d + start : start));
    const e = Math.max(0, Math.min(d, end < 0 ? d + end : end));
    shape[ax] = Math.max(0, e - s);
  } else shape[ax] = `${d}[${start}:${end}]`;
  const gr = g(a);
  return gr.node('Slice', [a, ints(gr, [start]), ints(gr, [end]), ints(gr, [ax])], [{ dtype: a.dtype, shape }])[0];
}

/** Slice with runtime start/end (1-element int64 tensors) along one axis; the caller states the static size. */
export function sliceDynamic(a: Tensor, axis: number, start: Tensor, end: Tensor, size: Dim): Tensor {
  const ax = norm(axis, a.rank);
  const shape = [...a.shape];
  shape[ax] = size;
  const gr = g(a);
  return gr.node('Slice', [a, start, end, ints(gr, [ax])], [{ dtype: a.dtype, shape }])[0];
}

/** Broadcasts to a runtime shape; the caller states the static result shape. */
export function expand(a: Tensor, shape: Tensor, staticShape: Shape): Tensor {
  return g(a).node('Expand', [a, shape], [{ dtype: a.dtype, shape: staticShape }])[0];
}

/** Constant-pads with zeros; `pads` is a runtime int64 [2·rank] tensor (ONNX layout). */
export function pad(a: Tensor, pads: Tensor, staticShape: Shape): Tensor {
  return g(a).node('Pad', [a, pads], [{ dtype: a.dtype, shape: staticShape }], {
    mode: { kind: 'string', value: 'constant' },
  })[0];
}

/** A tensor of the runtime shape `shape` filled with `value`. */
export function constantOfShape(shape: Tensor, value: number, dtype: DType, staticShape: Shape): Tensor {
  return g(shape).node('ConstantOfShape', [shape], [{ dtype, shape: staticShape }], {
    value: { kind: 'tensor', dtype, data: dataOf(dtype, [value]) },
  })[0];
}

/** Zeros with the runtime shape and dtype of `like`. */
export function zerosLike(like: Tensor): Tensor {
  return constantOfShape(shapeOf(like), 0, like.dtype, like.shape);
}

/** Integer range [start, limit) with step 1 from scalar int64 tensors. */
export function range(start: Tensor, limit: Tensor, size: Dim): Tensor {
  const delta = scalar(g(start), 1, start.dtype);
  return g(start).node('Range', [start, limit, delta], [{ dtype: start.dtype, shape: [size] }])[0];
}

/** Upper (or lower) triangle of the last two dims, offset by k. */
export function trilu(a: Tensor, upper: boolean, k = 0): Tensor {
  return g(a).node('Trilu', [a, scalar(g(a), k, 'int64')], [{ dtype: a.dtype, shape: a.shape }], {
    upper: { kind: 'int', value: upper ? 1 : 0 },
  })[0];
}
