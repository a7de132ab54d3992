/**
 * Shared helpers for the op constructors: axis normalization, dtype checks,
 * static-shape arithmetic (broadcast, symbolic sum/product) and constant data.
 * Only `broadcastShapes` is part of the public `ops` surface.
 */
import { type DType, type Dim, type Graph, type Shape, type Tensor, allocate, type TensorData } from '../graph.js';

/** The graph a tensor belongs to. */
export function g(t: Tensor): Graph {
  return t.graph;
}

/** Normalizes a possibly negative axis for a rank; throws when out of range. */
export function norm(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** The common dtype of `ts`; throws naming `op` when they differ. */
export function sameDtype(op: string, ...ts: Tensor[]): DType {
  const d = ts[0].dtype;
  for (const t of ts)
    if (t.dtype !== d) throw new Error(`${op}: dtype mismatch ${ts.map((x) => `${x.name}:${x.dtype}`).join(', ')}`);
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

/** Sum of dims: a number when all are static, else a symbolic `a+b` string. */
export function dimSum(dims: readonly Dim[]): Dim {
  if (dims.every((d) => typeof d === 'number')) return (dims as number[]).reduce((a, b) => a + b, 0);
  return dims.join('+');
}

/** Product of dims: a number when all are static, else a symbolic `a*b` string. */
export function dimProd(dims: readonly Dim[]): Dim {
  if (dims.every((d) => typeof d === 'number')) return (dims as number[]).reduce((a, b) => a * b, 1);
  return dims.join('*');
}

/** Typed-array storage of `dtype` holding `values` (BigInt for int64). */
export function dataOf(dtype: DType, values: readonly number[]): TensorData {
  const d = allocate(dtype, values.length);
  if (d instanceof BigInt64Array) values.forEach((v, i) => (d[i] = BigInt(v)));
  else values.forEach((v, i) => (d[i] = v));
  return d;
}
