/** Matrix products: batched MatMul and 2-D Gemm. */
import { type Tensor } from '../graph.js';
import { broadcastShapes, g, sameDtype } from './util.js';

/** Batched matrix product a[..., M, K] · b[..., K, N] (batch dims broadcast). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const dtype = sameDtype('MatMul', a, b);
  if (a.rank < 2 || b.rank < 2) throw new Error('MatMul: operands must have rank ≥ 2');
  const [m, k1] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2)
    throw new Error(`MatMul: inner dims ${k1} vs ${k2}`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return g(a).node('MatMul', [a, b], [{ dtype, shape: [...batch, m, n] }])[0];
}

/** Gemm: alpha·op(a)·op(b) + beta·c for 2-D a, b (c broadcast to [M, N]). */
export function gemm(
  a: Tensor,
  b: Tensor,
  c: Tensor | null,
  opts: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {},
): Tensor {
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
