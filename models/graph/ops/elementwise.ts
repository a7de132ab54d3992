/**
 * Elementwise ops: broadcasting arithmetic, comparisons, unary math, select,
 * cast and the gradient-stopping identity.
 */
import { type DType, type Tensor } from '../graph.js';
import { broadcastShapes, g, sameDtype } from './util.js';

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
  return g(a).node(
    'Where',
    [cond, a, b],
    [{ dtype, shape: broadcastShapes(cond.shape, broadcastShapes(a.shape, b.shape)) }],
  )[0];
}

/** Converts the element type. */
export function cast(a: Tensor, to: DType): Tensor {
  if (a.dtype === to) return a;
  const code = { float32: 1, uint8: 2, int64: 7, bool: 9, float64: 11 }[to];
  return g(a).node('Cast', [a], [{ dtype: to, shape: a.shape }], { to: { kind: 'int', value: code } })[0];
}
