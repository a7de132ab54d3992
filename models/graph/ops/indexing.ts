/** Indexing ops: Gather / GatherElements and additive ScatterND / ScatterElements. */
import { type Tensor } from '../graph.js';
import { g, norm } from './util.js';

/** Gathers slices of `data` along `axis` at int64 `indices` (embedding lookup). */
export function gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
  const ax = norm(axis, data.rank);
  const shape = [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax + 1)];
  return g(data).node('Gather', [data, indices], [{ dtype: data.dtype, shape }], {
    axis: { kind: 'int', value: ax },
  })[0];
}

/** Elementwise gather along `axis` (picks one entry per position, e.g. the reference token's log-prob). */
export function gatherElements(data: Tensor, indices: Tensor, axis: number): Tensor {
  const ax = norm(axis, data.rank);
  return g(data).node('GatherElements', [data, indices], [{ dtype: data.dtype, shape: indices.shape }], {
    axis: { kind: 'int', value: ax },
  })[0];
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
