/**
 * Reverse-mode automatic differentiation over a `Graph`: walks the forward
 * nodes backwards and appends the gradient nodes to the same graph, so one
 * ONNX graph computes forward, loss and backward. Gradients of broadcasting
 * ops are summed back to the operand's shape (sum-to-shape); `stopGradient`
 * identities and integer/bool values carry no gradient.
 */
import { type Graph, type Node, type Tensor, isFloat } from './graph.js';
import * as o from './ops.js';

/** Computes the input gradients of one node from its output gradients; `need[i]` says which inputs want one. */
type GradRule = (node: Node, gys: readonly (Tensor | null)[], need: readonly boolean[]) => (Tensor | null)[];

function inp(node: Node, i: number): Tensor {
  const t = node.inputs[i];
  if (!t) throw new Error(`${node.op}: input ${i} is omitted`);
  return t;
}

/** Reads the constant values of an initializer (for axes/starts/ends inputs). */
function constValues(t: Tensor): number[] {
  const init = t.graph.initializers.find((i) => i.tensor === t);
  if (!init) throw new Error(`autodiff: ${t.name} must be a constant`);
  return Array.from(init.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** Sums a broadcast gradient `gy` back to the static shape of `x` (numpy un-broadcasting). */
export function sumToShape(gy: Tensor, x: Tensor): Tensor {
  const lead = gy.rank - x.rank;
  if (lead < 0) throw new Error(`sumToShape: gradient rank ${gy.rank} < operand rank ${x.rank}`);
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  for (let i = 0; i < x.rank; i++) if (x.shape[i] === 1 && gy.shape[i + lead] !== 1) axes.push(i + lead);
  let r = gy;
  if (axes.length) r = o.reduceSum(r, axes, true);
  if (lead) r = o.squeeze(r, axes.slice(0, lead));
  return r;
}

function swapLast(t: Tensor): Tensor {
  const perm = t.shape.map((_, i) => i);
  perm[t.rank - 1] = t.rank - 2;
  perm[t.rank - 2] = t.rank - 1;
  return o.transpose(t, perm);
}

function zeroLike(t: Tensor): Tensor {
  return o.scalarLike(t, 0);
}

/** Broadcast-aware gradient of a reduction: expands gy (reduced over `axes`) back to x's shape. */
function unreduce(gy: Tensor, x: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
  const ax = axes.map((a) => (a < 0 ? a + x.rank : a));
  const g1 = keepdims ? gy : o.unsqueeze(gy, ax);
  return o.expand(g1, o.shapeOf(x), x.shape);
}

function reduceCount(x: Tensor, axes: readonly number[]): Tensor {
  const dims = axes.map((a) => x.shape[a < 0 ? a + x.rank : a]);
  if (dims.every((d) => typeof d === 'number'))
    return o.scalarLike(
      x,
      dims.reduce((a, b) => a * b, 1),
    );
  const picked = o.gather(
    o.shapeOf(x),
    o.ints(
      x.graph,
      axes.map((a) => (a < 0 ? a + x.rank : a)),
    ),
  );
  const prod = x.graph.node('ReduceProd', [picked], [{ dtype: 'int64', shape: [] }], {
    keepdims: { kind: 'int', value: 0 },
  })[0];
  return o.cast(prod, x.dtype);
}

const RULES: Record<string, GradRule> = {
  Identity: (_n, [gy]) => [gy],
  Add: (n, [gy]) => [sumToShape(gy!, inp(n, 0)), sumToShape(gy!, inp(n, 1))],
  Sub: (n, [gy], need) => [sumToShape(gy!, inp(n, 0)), need[1] ? sumToShape(o.neg(gy!), inp(n, 1)) : null],
  Mul: (n, [gy], need) => [
    need[0] ? sumToShape(o.mul(gy!, inp(n, 1)), inp(n, 0)) : null,
    need[1] ? sumToShape(o.mul(gy!, inp(n, 0)), inp(n, 1)) : null,
  ],
  Div: (n, [gy], need) => {
    const [a, b] = [inp(n, 0), inp(n, 1)];
    const y = n.outputs[0];
    return [
      need[0] ? sumToShape(o.div(gy!, b), a) : null,
      need[1] ? sumToShape(o.neg(o.mul(gy!, o.div(y, b))), b) : null,
    ];
  },
  Pow: (n, [gy], need) => {
    const [a, b] = [inp(n, 0), inp(n, 1)];
    const y = n.outputs[0];
    return [
      need[0] ? sumToShape(o.mul(gy!, o.mul(b, o.pow(a, o.sub(b, o.scalarLike(b, 1))))), a) : null,
      need[1] ? sumToShape(o.mul(gy!, o.mul(y, o.log(a))), b) : null,
    ];
  },
  Max: (n, [gy], need) => {
    const [a, b] = [inp(n, 0), inp(n, 1)];
    const takeA = o.not(o.less(a, b));
    return [
      need[0] ? sumToShape(o.where(takeA, gy!, zeroLike(gy!)), a) : null,
      need[1] ? sumToShape(o.where(takeA, zeroLike(gy!), gy!), b) : null,
    ];
  },
  Min: (n, [gy], need) => {
    const [a, b] = [inp(n, 0), inp(n, 1)];
    const takeA = o.not(o.greater(a, b));
    return [
      need[0] ? sumToShape(o.where(takeA, gy!, zeroLike(gy!)), a) : null,
      need[1] ? sumToShape(o.where(takeA, zeroLike(gy!), gy!), b) : null,
    ];
  },
  Neg: (_n, [gy]) => [o.neg(gy!)],
  Exp: (n, [gy]) => [o.mul(gy!, n.outputs[0])],
  Log: (n, [gy]) => [o.div(gy!, inp(n, 0))],
  Sqrt: (n, [gy]) => [o.div(o.mul(gy!, o.scalarLike(gy!, 0.5)), n.outputs[0])],
  Tanh: (n, [gy]) => {
    const y = n.outputs[0];
    return [o.mul(gy!, o.sub(o.scalarLike(y, 1), o.mul(y, y)))];
  },
  Reciprocal: (n, [gy]) => {
    const y = n.outputs[0];
    return [o.neg(o.mul(gy!, o.mul(y, y)))];
  },
  Relu: (n, [gy]) => [o.where(o.greater(inp(n, 0), zeroLike(gy!)), gy!, zeroLike(gy!))],
  Where: (n, [gy], need) => {
    const c = inp(n, 0);
    return [
      null,
      need[1] ? sumToShape(o.where(c, gy!, zeroLike(gy!)), inp(n, 1)) : null,
      need[2] ? sumToShape(o.where(c, zeroLike(gy!), gy!), inp(n, 2)) : null,
    ];
  },
  Cast: (n, [gy]) => [isFloat(inp(n, 0).dtype) ? o.cast(gy!, inp(n, 0).dtype) : null],
  MatMul: (n, [gy], need) => {
    const [a, b] = [inp(n, 0), inp(n, 1)];
    const ga = need[0] ? sumToShape(o.matmul(gy!, swapLast(b)), a) : null;
    let gb: Tensor | null = null;
    if (need[1]) {
      if (b.rank === 2 && a.rank > 2) {
        // Fold the batch dims into rows: one [K, rows]·[rows, N] product instead of a batched one + reduction.
        const a2 = o.reshape(a, [-1, Number(a.shape[a.rank - 1])]);
        const g2 = o.reshape(gy!, [-1, Number(gy!.shape[gy!.rank - 1])]);
        gb = o.matmul(o.transpose(a2, [1, 0]), g2);
      } else gb = sumToShape(o.matmul(swapLast(a), gy!), b);
    }
    return [ga, gb];
  },
  Gemm: (n, [gy], need) => {
    const [a, b] = [inp(n, 0), inp(n, 1)];
    const c = n.inputs[2] ?? null;
    const ta = n.attrs.transA?.kind === 'int' && n.attrs.transA.value === 1;
    const tb = n.attrs.transB?.kind === 'int' && n.attrs.transB.value === 1;
    const alpha = n.attrs.alpha?.kind === 'float' ? n.attrs.alpha.value : 1;
    const beta = n.attrs.beta?.kind === 'float' ? n.attrs.beta.value : 1;
    const A = ta ? o.transpose(a, [1, 0]) : a;
    const B = tb ? o.transpose(b, [1, 0]) : b;
    const gs = alpha === 1 ? gy! : o.mul(gy!, o.scalarLike(gy!, alpha));
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (need[0]) {
      const gA = o.matmul(gs, o.transpose(B, [1, 0]));
      ga = ta ? o.transpose(gA, [1, 0]) : gA;
    }
    if (need[1]) {
      const gB = o.matmul(o.transpose(A, [1, 0]), gs);
      gb = tb ? o.transpose(gB, [1, 0]) : gB;
    }
    const gc = c && need[2] ? sumToShape(beta === 1 ? gy! : o.mul(gy!, o.scalarLike(gy!, beta)), c) : null;
    return [ga, gb, gc];
  },
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

/** Op types the autodiff can differentiate. */
export const DIFFERENTIABLE_OPS: readonly string[] = Object.keys(RULES);

function accumulate(list: Tensor[]): Tensor {
  let s = list[0];
  for (let i = 1; i < list.length; i++) s = o.add(s, list[i]);
  return s;
}

/**
 * Appends the backward graph of scalar `loss` with respect to `wrt` and
 * returns one gradient per `wrt` tensor (zeros when `loss` does not depend on
 * it). `seed` is dL/dloss (default 1).
 */
export function gradients(loss: Tensor, wrt: readonly Tensor[], seed?: Tensor): Tensor[] {
  const graph: Graph = loss.graph;
  if (!isFloat(loss.dtype)) throw new Error(`gradients: loss ${loss.name} must be float, is ${loss.dtype}`);
  const requires = new Set<Tensor>(wrt);
  const forward = graph.nodes.slice();
  for (const n of forward) {
    if (n.noGrad) continue;
    if (n.inputs.some((i) => i && requires.has(i) && isFloat(i.dtype)))
      for (const out of n.outputs) if (isFloat(out.dtype)) requires.add(out);
  }
  const grads = new Map<Tensor, Tensor[]>();
  grads.set(loss, [seed ?? o.scalarLike(loss, 1)]);
  for (let k = forward.length - 1; k >= 0; k--) {
    const n = forward[k];
    if (n.noGrad) continue;
    const gys = n.outputs.map((out) => {
      const l = grads.get(out);
      return l ? accumulate(l) : null;
    });
    if (gys.every((x) => x === null)) continue;
    const need = n.inputs.map((i) => !!i && requires.has(i) && isFloat(i.dtype));
    if (!need.some(Boolean)) continue;
    const rule = RULES[n.op];
    if (!rule)
      throw new Error(`autodiff: no gradient rule for ${n.op} (producing ${n.outputs.map((x) => x.name).join(', ')})`);
    const filled = gys.map((gy, i) => gy ?? o.zerosLike(n.outputs[i]));
    const gxs = rule(n, filled, need);
    n.inputs.forEach((x, i) => {
      const gx = gxs[i];
      if (!x || !need[i] || !gx) return;
      const l = grads.get(x);
      if (l) l.push(gx);
      else grads.set(x, [gx]);
    });
  }
  return wrt.map((t) => {
    const l = grads.get(t);
    return l ? accumulate(l) : o.zerosLike(t);
  });
}
