/** Constant tensors (graph initializers): arbitrary data, scalars and int64 shape/axis lists. */
import { type DType, type Graph, type Tensor, type TensorData } from '../graph.js';
import { dataOf, g } from './util.js';

/** A constant tensor stored as an initializer. */
export function constant(
  graph: Graph,
  dtype: DType,
  shape: readonly number[],
  values: readonly number[] | TensorData,
): Tensor {
  const data = ArrayBuffer.isView(values) ? values : dataOf(dtype, values);
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
