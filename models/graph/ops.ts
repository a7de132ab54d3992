/**
 * Typed op constructors over `Graph`: each checks dtypes, infers the static
 * (partly symbolic) output shape and appends one ONNX node. Everything a
 * transformer captioner and its training step need, all with double kernels on
 * ORT's CPU provider (no Erf, no Conv) so gradient checks can run in float64.
 */
import { type DType, type Dim, type Graph, type Shape, Tensor, allocate, isFloat, type TensorData } from './graph.js';

// ---------------------------------------------------------------- helpers

function g(t: Tensor): Graph {
  return t.graph;
}

function norm(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

function sameDtype(op: string, ...ts: Tensor[]): DType {
  const d = ts[0].dtype;
  for (const t of ts) if (t.dtype !== d) throw new Error(`${op}: dtype mismatch ${ts.map((x) => `${x.name}:${x.dtype}`).join(', ')}`);
  return d;
}

/** Numpy-style broadcast of two static shapes; throws when they cannot broadcast. */
export function broadcastShapes(a: Shape, b: Shape): Dim[] {
  const r = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < r; i++) {
    const x = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
    const y = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
    if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (x === y) out.push(x);
    else if (typeof x === 'string' && typeof y === 'number') out.push(y);
    else if (typeof y === 'string' && typeof x === 'number') out.push(x);
    else if (typeof x === 'string' && typeof y === 'string') out.push(x);
    else throw new Error(`cannot broadcast [${a.join(',')}] with [${b.join(',')}]`);
  }
  return out;
}

function dimSum(dims: readonly Dim[]): Dim {
  if (dims.every((d) => typeof d === 'number')) return (dims as number[]).reduce((a, b) => a + b, 0);
  return dims.join('+');
}

function dimProd(dims: readonly Dim[]): Dim {
  if (dims.every((d) => typeof d === 'number')) return (dims as number[]).reduce((a, b) => a * b, 1);
  return dims.join('*');
}

function dataOf(dtype: DType, values: readonly number[]): TensorData {
  const d = allocate(dtype, values.length);
  if (d instanceof BigInt64Array) values.forEach((v, i) => (d[i] = BigInt(v)));
  else values.forEach((v, i) => (d[i] = v));
  return d;
}

// ---------------------------------------------------------------- constants

/** A constant tensor stored as an initializer. */
export function constant(graph: Graph, dtype: DType, shape: readonly number[], values: readonly number[] | TensorData): Tensor {
  const data = ArrayBuffer.isView(values) ? (values as TensorData) : dataOf(dtype, values as number[]);
  return graph.initializer(graph.fresh('const'), dtype, shape, data);
}

/** A scalar constant of the given dtype. */
export function scalar(graph: Graph, value: number, dtype: DType): Tensor {
  return constant(graph, dtype, [], [value]);
}

/** A scalar constant with the same dtype as `like`. */
export function scalarLike(like: Tensor, value: number): Tensor {
  return scalar(g(like), value, like.dtype);
}

/** A 1-D int64 constant (shapes, axes, pads). */
export function ints(graph: Graph, values: readonly number[]): Tensor {
  return constant(graph, 'int64', [values.length], values);
}

// ---------------------------------------------------------------- elementwise

function binary(op: string, a: Tensor, b: Tensor): Tensor {
  const dtype = sameDtype(op, a, b);
  return g(a).node(op, [a, b], [{ dtype, shape: broadcastShapes(a.shape, b.shape) }])[0];
}

/** a + b with broadcasting. */
export const add = (a: Tensor, b: Tensor): Tensor => binary('Add', a, b);
/** a − b with broadcasting. */
export const sub = (a: Tensor, b: Tensor): Tensor => binary('Sub', a, b);
/** a · b with broadcasting. */
export const mul = (a: Tensor, b: Tensor): Tensor => binary('Mul', a, b);
/** a / b with broadcasting. */
export const div = (a: Tensor, b: Tensor): Tensor => binary('Div', a, b);
/** a ^ b with broadcasting. */
export const pow = (a: Tensor, b: Tensor): Tensor => binary('Pow', a, b);
/** Elementwise maximum (gradient goes to the larger; ties to `a`). */
export const max = (a: Tensor, b: Tensor): Tensor => binary('Max', a, b);
/** Elementwise minimum (gradient goes to the smaller; ties to `a`). */
export const min = (a: Tensor, b: Tensor): Tensor => binary('Min', a, b);

function compare(op: string, a: Tensor, b: Tensor): Tensor {
  sameDtype(op, a, b);
  return g(a).node(op, [a, b], [{ dtype: 'bool', shape: broadcastShapes(a.shape, b.shape) }])[0];
}

/** a == b → bool. */
export const equal = (a: Tensor, b: Tensor): Tensor => compare('Equal', a, b);
/** a < b → bool. */
export const less = (a: Tensor, b: Tensor): Tensor => compare('Less', a, b);
/** a > b → bool. */
export const greater = (a: Tensor, b: Tensor): Tensor => compare('Greater', a, b);

/** Logical not of a bool tensor. */
export function not(a: Tensor): Tensor {
  return g(a).node('Not', [a], [{ dtype: 'bool', shape: a.shape }])[0];
}

function unary(op: string, a: Tensor): Tensor {
  return g(a).node(op, [a], [{ dtype: a.dtype, shape: a.shape }])[0];
}

/** e^x. */
export const exp = (a: Tensor): Tensor => unary('Exp', a);
/** ln x. */
export const log = (a: Tensor): Tensor => unary('Log', a);
/** √x. */
export const sqrt = (a: Tensor): Tensor => unary('Sqrt', a);
/** tanh x. */
export const tanh = (a: Tensor): Tensor => unary('Tanh', a);
/** −x. */
export const neg = (a: Tensor): Tensor => unary('Neg', a);
/** 1/x. */
export const reciprocal = (a: Tensor): Tensor => unary('Reciprocal', a);
/** max(x, 0). */
export const relu = (a: Tensor): Tensor => unary('Relu', a);
/** Identity (a renamed copy). */
export const identity = (a: Tensor): Tensor => unary('Identity', a);

/** Identity that autodiff treats as a constant: no gradient flows back through it. */
export function stopGradient(a: Tensor): Tensor {
  return g(a).node('Identity', [a], [{ dtype: a.dtype, shape: a.shape }], {}, true)[0];
}

/** Elementwise select: cond ? a : b, with broadcasting. */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  if (cond.dtype !== 'bool') throw new Error(`Where: condition ${cond.name} must be bool, is ${cond.dtype}`);
  const dtype = sameDtype('Where', a, b);
  return g(a).node('Where', [cond, a, b], [{ dtype, shape: broadcastShapes(cond.shape, broadcastShapes(a.shape, b.shape)) }])[0];
}

/** Converts the element type. */
export function cast(a: Tensor, to: DType): Tensor {
  if (a.dtype === to) return a;
  const code = { float32: 1, uint8: 2, int64: 7, bool: 9, float64: 11 }[to];
  return g(a).node('Cast', [a], [{ dtype: to, shape: a.shape }], { to: { kind: 'int', value: code } })[0];
}

/** GELU, tanh approximation (Erf has no double kernel on ORT CPU): 0.5x(1+tanh(√(2/π)(x+0.044715x³))). */
export function gelu(x: Tensor): Tensor {
  const c = scalarLike(x, Math.sqrt(2 / Math.PI));
  const inner = mul(c, add(x, mul(scalarLike(x, 0.044715), mul(x, mul(x, x)))));
  return mul(mul(scalarLike(x, 0.5), x), add(scalarLike(x, 1), tanh(inner)));
}

// ---------------------------------------------------------------- linear algebra

/** Batched matrix product a[..., M, K] · b[..., K, N] (batch dims broadcast). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const dtype = sameDtype('MatMul', a, b);
  if (a.rank < 2 || b.rank < 2) throw new Error('MatMul: operands must have rank ≥ 2');
  const [m, k1] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) throw new Error(`MatMul: inner dims ${k1} vs ${k2}`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return g(a).node('MatMul', [a, b], [{ dtype, shape: [...batch, m, n] }])[0];
}

/** Gemm: alpha·op(a)·op(b) + beta·c for 2-D a, b (c broadcast to [M, N]). */
export function gemm(a: Tensor, b: Tensor, c: Tensor | null, opts: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {}): Tensor {
  const dtype = sameDtype('Gemm', a, b);
  if (a.rank !== 2 || b.rank !== 2) throw new Error('Gemm: operands must be 2-D');
  const m = opts.transA ? a.shape[1] : a.shape[0];
  const n = opts.transB ? b.shape[0] : b.shape[1];
  return g(a).node('Gemm', c ? [a, b, c] : [a, b], [{ dtype, shape: [m, n] }], {
    transA: { kind: 'int', value: opts.transA ? 1 : 0 },
    transB: { kind: 'int', value: opts.transB ? 1 : 0 },
    alpha: { kind: 'float', value: opts.alpha ?? 1 },
    beta: { kind: 'float', value: opts.beta ?? 1 },
  })[0];
}

// ---------------------------------------------------------------- shape ops

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
      out[inf] = total / (rest as number[]).reduce((x, y) => x * y, 1);
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
  return g(a).node('Transpose', [a], [{ dtype: a.dtype, shape: perm.map((p) => a.shape[p]) }], { perm: { kind: 'ints', value: perm } })[0];
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
  return g(a).node('Squeeze', [a, ints(g(a), ax)], [{ dtype: a.dtype, shape: a.shape.filter((_, i) => !ax.includes(i)) }])[0];
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
  return g(a).node('Pad', [a, pads], [{ dtype: a.dtype, shape: staticShape }], { mode: { kind: 'string', value: 'constant' } })[0];
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

// ---------------------------------------------------------------- indexing

/** Gathers slices of `data` along `axis` at int64 `indices` (embedding lookup). */
export function gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
  const ax = norm(axis, data.rank);
  const shape = [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax + 1)];
  return g(data).node('Gather', [data, indices], [{ dtype: data.dtype, shape }], { axis: { kind: 'int', value: ax } })[0];
}

/** Elementwise gather along `axis` (picks one entry per position, e.g. the reference token's log-prob). */
export function gatherElements(data: Tensor, indices: Tensor, axis: number): Tensor {
  const ax = norm(axis, data.rank);
  return g(data).node('GatherElements', [data, indices], [{ dtype: data.dtype, shape: indices.shape }], { axis: { kind: 'int', value: ax } })[0];
}

/** ScatterND with additive reduction: data with `updates` added at `indices`. */
export function scatterNDAdd(data: Tensor, indices: Tensor, updates: Tensor): Tensor {
  return g(data).node('ScatterND', [data, indices, updates], [{ dtype: data.dtype, shape: data.shape }], {
    reduction: { kind: 'string', value: 'add' },
  })[0];
}

/** ScatterElements with additive reduction along `axis`. */
export function scatterElementsAdd(data: Tensor, indices: Tensor, updates: Tensor, axis: number): Tensor {
  return g(data).node('ScatterElements', [data, indices, updates], [{ dtype: data.dtype, shape: data.shape }], {
    axis: { kind: 'int', value: norm(axis, data.rank) },
    reduction: { kind: 'string', value: 'add' },
  })[0];
}

// ---------------------------------------------------------------- reductions / normalizations

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
  return g(a).node('Softmax', [a], [{ dtype: a.dtype, shape: a.shape }], { axis: { kind: 'int', value: norm(axis, a.rank) } })[0];
}

/** Log-softmax along `axis`. */
export function logSoftmax(a: Tensor, axis = -1): Tensor {
  return g(a).node('LogSoftmax', [a], [{ dtype: a.dtype, shape: a.shape }], { axis: { kind: 'int', value: norm(axis, a.rank) } })[0];
}

/** Arg-max along `axis` (int64; inference only). */
export function argMax(a: Tensor, axis: number, keepdims = false): Tensor {
  const ax = norm(axis, a.rank);
  return g(a).node('ArgMax', [a], [{ dtype: 'int64', shape: reducedShape(a, [ax], keepdims) }], {
    axis: { kind: 'int', value: ax },
    keepdims: { kind: 'int', value: keepdims ? 1 : 0 },
  })[0];
}

/**
 * Layer normalization over the last axis, as a decomposition (mean, variance,
 * normalize, scale, shift) so autodiff handles it with elementwise rules.
 */
export function layerNorm(x: Tensor, scale: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  const mu = reduceMean(x, [-1], true);
  const xc = sub(x, mu);
  const v = reduceMean(mul(xc, xc), [-1], true);
  const y = div(xc, sqrt(add(v, scalarLike(x, eps))));
  return add(mul(y, scale), bias);
}

/**
 * L2 normalization along `axis`: x / sqrt(Σx² + eps), as a decomposition so autodiff handles it
 * with elementwise rules (ONNX `LpNormalization` has no gradient rule here and no eps guard for a
 * zero vector, which maps to zero instead of NaN).
 */
export function l2Normalize(x: Tensor, axis = -1, eps = 1e-12): Tensor {
  const ss = reduceSum(mul(x, x), [axis], true);
  return div(x, sqrt(add(ss, scalarLike(x, eps))));
}

/** ONNX LayerNormalization op (fused; used in inference graphs where no gradient is needed). */
export function layerNormFused(x: Tensor, scale: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  return g(x).node('LayerNormalization', [x, scale, bias], [{ dtype: x.dtype, shape: x.shape }], {
    axis: { kind: 'int', value: -1 },
    epsilon: { kind: 'float', value: eps },
  })[0];
}

export { isFloat };
