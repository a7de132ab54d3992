/**
 * Reverse-mode automatic differentiation over a `Graph`: walks the forward
 * nodes backwards and appends the gradient nodes to the same graph, so one
 * ONNX graph computes forward, loss and backward. Gradients of broadcasting
 * ops are summed back to the operand's shape (sum-to-shape); `stopGradient`
 * identities and integer/bool values carry no gradient.
 */
import { type Graph, type Tensor, isFloat } from './graph.js';
import { type GradRule, inp, sumToShape, swapLast, zeroLike } from './grad-helpers.js';
import { SHAPE_RULES } from './grad-rules-shape.js';
import * as o from './ops.js';

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
  ...SHAPE_RULES,
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
