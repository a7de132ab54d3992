/**
 * Neural-network building blocks composed from primitive ops (GELU, layer norm,
 * L2 normalization) so autodiff differentiates them with elementwise rules,
 * plus the fused LayerNormalization for inference graphs.
 */
import { type Tensor } from '../graph.js';
import { scalarLike } from './constants.js';
import { add, div, mul, sqrt, sub, tanh } from './elementwise.js';
import { reduceMean, reduceSum } from './reduce.js';
import { g } from './util.js';

/** GELU, tanh approximation (Erf has no double kernel on ORT CPU): 0.5x(1+tanh(√(2/π)(x+0.044715x³))). */
export function gelu(x: Tensor): Tensor {
  const c = scalarLike(x, Math.sqrt(2 / Math.PI));
  const inner = mul(c, add(x, mul(scalarLike(x, 0.044715), mul(x, mul(x, x)))));
  return mul(mul(scalarLike(x, 0.5), x), add(scalarLike(x, 1), tanh(inner)));
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
