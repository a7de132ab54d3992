/**
 * Gradient rules of the ops that move, reshape, select or reduce values rather than compute them
 * elementwise (reshapes, transposes, slicing, gathers, softmax, reductions).
 */
import type { Tensor } from './graph.js';
import { constValues, type GradRule, inp, reduceCount, sumToShape, unreduce } from './grad-helpers.js';
import * as o from './ops.js';

/** The shape and reduction ops' gradient rules, by ONNX op type. */
export const SHAPE_RULES: Record<string, GradRule> = {
  Reshape: (n, [gy]) => [o.reshapeTo(gy!, o.shapeOf(inp(n, 0)), inp(n, 0).shape), null],
  Squeeze: (n, [gy]) => [o.reshapeTo(gy!, o.shapeOf(inp(n, 0)), inp(n, 0).shape), null],
  Unsqueeze: (n, [gy]) => [o.reshapeTo(gy!, o.shapeOf(inp(n, 0)), inp(n, 0).shape), null],
  Expand: (n, [gy]) => [sumToShape(gy!, inp(n, 0)), null],
  Transpose: (n, [gy]) => {
    const perm = n.attrs.perm?.kind === 'ints' ? n.attrs.perm.value : [];
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [o.transpose(gy!, inv)];
  },
  Trilu: (n, [gy]) => {
    const upper = n.attrs.upper?.kind === 'int' ? n.attrs.upper.value === 1 : true;
    const k = n.inputs[1] ? constValues(n.inputs[1])[0] : 0;
    return [o.trilu(gy!, upper, k), null];
  },
  Concat: (n, [gy], need) => {
    const axis = n.attrs.axis?.kind === 'int' ? n.attrs.axis.value : 0;
    const gr = gy!.graph;
    let offset: Tensor = o.ints(gr, [0]);
    return n.inputs.map((x, i) => {
      const xi = x!;
      const size =
        typeof xi.shape[axis] === 'number' ? o.ints(gr, [xi.shape[axis]]) : o.gather(o.shapeOf(xi), o.ints(gr, [axis]));
      const end = o.add(offset, size);
      const gi = need[i] ? o.sliceDynamic(gy!, axis, offset, end, xi.shape[axis]) : null;
      offset = end;
      return gi;
    });
  },
  Slice: (n, [gy]) => {
    const x = inp(n, 0);
    const gr = x.graph;
    const axes = n.inputs[3] ? constValues(n.inputs[3]) : [0];
    if (axes.length !== 1 || n.inputs[4]) throw new Error('autodiff: Slice gradient supports one axis and step 1');
    const ax = axes[0] < 0 ? axes[0] + x.rank : axes[0];
    const dim = o.gather(o.shapeOf(x), o.ints(gr, [ax]));
    const bound = (t: Tensor): Tensor => {
      const vals = t.graph.initializers.some((i) => i.tensor === t) ? constValues(t) : null;
      const v = vals && vals[0] < 0 ? o.add(dim, t) : t;
      return o.min(o.max(v, o.ints(gr, [0])), dim);
    };
    const s = bound(inp(n, 1));
    const e = o.max(bound(inp(n, 2)), s);
    const zero = o.ints(gr, [0]);
    const before = x.shape.map((_, i) => (i === ax ? s : zero));
    const after = x.shape.map((_, i) => (i === ax ? o.sub(dim, e) : zero));
    const pads = o.concat([...before, ...after], 0);
    return [o.pad(gy!, pads, x.shape), null, null, null, null];
  },
  Gather: (n, [gy]) => {
    const axis = n.attrs.axis?.kind === 'int' ? n.attrs.axis.value : 0;
    if (axis !== 0) throw new Error('autodiff: Gather gradient supports axis 0');
    const data = inp(n, 0);
    const idx = o.unsqueeze(inp(n, 1), [-1]);
    return [o.scatterNDAdd(o.zerosLike(data), idx, gy!), null];
  },
  GatherElements: (n, [gy]) => {
    const axis = n.attrs.axis?.kind === 'int' ? n.attrs.axis.value : 0;
    return [o.scatterElementsAdd(o.zerosLike(inp(n, 0)), inp(n, 1), gy!, axis), null];
  },
  Softmax: (n, [gy]) => {
    const axis = n.attrs.axis?.kind === 'int' ? n.attrs.axis.value : -1;
    const y = n.outputs[0];
    return [o.mul(y, o.sub(gy!, o.reduceSum(o.mul(gy!, y), [axis], true)))];
  },
  LogSoftmax: (n, [gy]) => {
    const axis = n.attrs.axis?.kind === 'int' ? n.attrs.axis.value : -1;
    const y = n.outputs[0];
    return [o.sub(gy!, o.mul(o.exp(y), o.reduceSum(gy!, [axis], true)))];
  },
  ReduceSum: (n, [gy]) => {
    const x = inp(n, 0);
    const axes = constValues(inp(n, 1));
    const keep = n.attrs.keepdims?.kind === 'int' ? n.attrs.keepdims.value === 1 : true;
    return [unreduce(gy!, x, axes, keep), null];
  },
  ReduceMean: (n, [gy]) => {
    const x = inp(n, 0);
    const axes = n.attrs.axes?.kind === 'ints' ? n.attrs.axes.value : x.shape.map((_, i) => i);
    const keep = n.attrs.keepdims?.kind === 'int' ? n.attrs.keepdims.value === 1 : true;
    return [o.div(unreduce(gy!, x, axes, keep), reduceCount(x, axes))];
  },
};
