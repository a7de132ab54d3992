import { afterAll, describe, expect, it } from 'vitest';
import * as o from '../../../models/graph/ops.js';
import { DIFFERENTIABLE_OPS } from '../../../models/graph/autodiff.js';
import { type Graph, type Tensor } from '../../../models/graph/graph.js';
import { OPS_SEEN, gradCheck, type CheckInput } from './gradcheck.js';

type Case = [
  name: string,
  build: (g: Graph, xs: Tensor[]) => Tensor,
  inputs: CheckInput[],
  opts?: { eps?: number; atol?: number; rtol?: number },
];

const pos: [number, number] = [0.5, 2];
const cases: Case[] = [
  ['Add broadcast [2,3]+[3]', (_g, [a, b]) => o.add(a, b), [{ shape: [2, 3] }, { shape: [3] }]],
  ['Add broadcast [2,1]+[1,3]', (_g, [a, b]) => o.add(a, b), [{ shape: [2, 1] }, { shape: [1, 3] }]],
  ['Sub broadcast', (_g, [a, b]) => o.sub(a, b), [{ shape: [2, 3] }, { shape: [2, 1] }]],
  ['Mul broadcast', (_g, [a, b]) => o.mul(a, b), [{ shape: [2, 3, 2] }, { shape: [3, 1] }]],
  ['Div broadcast', (_g, [a, b]) => o.div(a, b), [{ shape: [2, 3] }, { shape: [3], range: pos }]],
  [
    'Pow (base and exponent)',
    (_g, [a, b]) => o.pow(a, b),
    [
      { shape: [2, 3], range: pos },
      { shape: [3], range: [0.5, 2.5] },
    ],
  ],
  ['Max', (_g, [a, b]) => o.max(a, b), [{ shape: [2, 3] }, { shape: [2, 3] }]],
  ['Min broadcast', (_g, [a, b]) => o.min(a, b), [{ shape: [2, 3] }, { shape: [3] }]],
  ['Neg', (_g, [a]) => o.neg(a), [{ shape: [4] }]],
  ['Exp', (_g, [a]) => o.exp(a), [{ shape: [2, 3] }]],
  ['Log', (_g, [a]) => o.log(a), [{ shape: [2, 3], range: pos }]],
  ['Sqrt', (_g, [a]) => o.sqrt(a), [{ shape: [2, 3], range: pos }]],
  ['Tanh', (_g, [a]) => o.tanh(a), [{ shape: [2, 3] }]],
  ['Reciprocal', (_g, [a]) => o.reciprocal(a), [{ shape: [5], range: pos }]],
  ['Relu', (_g, [a]) => o.relu(a), [{ shape: [6], values: [-1, -0.3, 0.2, 0.7, -2, 1.5] }]],
  ['GELU (tanh form)', (_g, [a]) => o.gelu(a), [{ shape: [2, 4], range: [-3, 3] }]],
  [
    'Where broadcast',
    (g, [a, b]) => o.where(o.constant(g, 'bool', [2, 1], [1, 0]), a, b),
    [{ shape: [2, 3] }, { shape: [3] }],
  ],
  // float32 round trip: checked with a coarse step so rounding (~1e-7) stays far below the tolerance.
  [
    'Cast float64→float32→float64',
    (_g, [a]) => o.cast(o.mul(o.cast(a, 'float32'), o.cast(a, 'float32')), 'float64'),
    [{ shape: [3] }],
    { eps: 1e-2, atol: 1e-3, rtol: 1e-3 },
  ],
  ['MatMul 2-D', (_g, [a, b]) => o.matmul(a, b), [{ shape: [3, 4] }, { shape: [4, 2] }]],
  ['MatMul batched × 2-D', (_g, [a, b]) => o.matmul(a, b), [{ shape: [2, 3, 4] }, { shape: [4, 2] }]],
  ['MatMul batch broadcast', (_g, [a, b]) => o.matmul(a, b), [{ shape: [2, 1, 3, 4] }, { shape: [3, 4, 2] }]],
  [
    'Gemm transB + bias',
    (_g, [a, b, c]) => o.gemm(a, b, c, { transB: true, alpha: 0.5, beta: 2 }),
    [{ shape: [3, 4] }, { shape: [2, 4] }, { shape: [2] }],
  ],
  ['Gemm transA', (_g, [a, b]) => o.gemm(a, b, null, { transA: true }), [{ shape: [4, 3] }, { shape: [4, 2] }]],
  ['Reshape', (_g, [a]) => o.reshape(a, [3, -1]), [{ shape: [2, 3, 2] }]],
  ['Squeeze/Unsqueeze', (_g, [a]) => o.squeeze(o.mul(o.unsqueeze(a, [0, 2]), a), [0]), [{ shape: [2, 3] }]],
  ['Expand', (g, [a]) => o.expand(a, o.ints(g, [2, 3, 3]), [2, 3, 3]), [{ shape: [3, 1] }]],
  ['Transpose', (_g, [a]) => o.transpose(a, [2, 0, 1]), [{ shape: [2, 3, 4] }]],
  ['Trilu', (_g, [a]) => o.trilu(a, true, 1), [{ shape: [3, 3] }]],
  ['Concat', (_g, [a, b]) => o.concat([a, b, a], 1), [{ shape: [2, 3] }, { shape: [2, 1] }]],
  ['Slice', (_g, [a]) => o.slice(a, 1, 1, 3), [{ shape: [2, 4] }]],
  ['Slice negative', (_g, [a]) => o.slice(a, 0, -2, 1000), [{ shape: [3, 2] }]],
  [
    'Gather (embedding, repeated ids)',
    (g, [a]) => o.gather(a, o.constant(g, 'int64', [2, 3], [0, 2, 2, 1, 0, 0])),
    [{ shape: [4, 3] }],
  ],
  ['GatherElements', (g, [a]) => o.gatherElements(a, o.constant(g, 'int64', [2, 1], [2, 0]), 1), [{ shape: [2, 3] }]],
  ['Softmax', (_g, [a]) => o.softmax(a, -1), [{ shape: [2, 5], range: [-2, 2] }]],
  ['LogSoftmax', (_g, [a]) => o.logSoftmax(a, 1), [{ shape: [2, 5, 2], range: [-2, 2] }]],
  ['ReduceSum keepdims', (_g, [a]) => o.reduceSum(a, [1], true), [{ shape: [2, 3, 2] }]],
  ['ReduceSum', (_g, [a]) => o.reduceSum(a, [0, 2]), [{ shape: [2, 3, 2] }]],
  ['ReduceMean', (_g, [a]) => o.reduceMean(a, [-1]), [{ shape: [2, 3] }]],
  [
    'LayerNorm (decomposed)',
    (_g, [x, s, b]) => o.layerNorm(x, s, b),
    [{ shape: [2, 3, 5] }, { shape: [5] }, { shape: [5] }],
  ],
  ['L2 normalize (decomposed)', (_g, [x]) => o.l2Normalize(x, -1), [{ shape: [3, 4] }]],
  ['L2 normalize axis 0', (_g, [x]) => o.l2Normalize(x, 0), [{ shape: [3, 2] }]],
  ['Identity', (_g, [a]) => o.mul(o.identity(a), a), [{ shape: [3] }]],
  [
    'stopGradient blocks the detached term',
    (_g, [a, b]) => o.mul(o.stopGradient(o.exp(a)), b),
    [{ shape: [3] }, { shape: [3] }],
  ],
];

describe('autodiff finite-difference checks (float64)', () => {
  for (const [name, build, inputs, opts] of cases) {
    it(name, async () => {
      if (name.startsWith('stopGradient')) {
        // y = stopGradient(exp(a))·b: dy/da must be exactly 0 (the stop), dy/db = exp(a) as usual.
        const r = await gradCheck(build, inputs);
        expect(Array.from(r.analytic[0], Math.abs)).toEqual([0, 0, 0]);
        expect(r.analytic[1].some((v) => v !== 0)).toBe(true);
        // finite differences see the real dependence on a (3 mismatches) and agree on b (none)
        expect(r.failures.filter((f) => f.startsWith('x0['))).toHaveLength(3);
        expect(r.failures.filter((f) => f.startsWith('x1['))).toEqual([]);
        return;
      }
      const r = await gradCheck(build, inputs, opts);
      expect(r.checked).toBeGreaterThan(0);
      expect(r.failures).toEqual([]);
    });
  }

  afterAll(() => {
    // Every op with a gradient rule was exercised by at least one check above.
    const missing = DIFFERENTIABLE_OPS.filter((op) => !OPS_SEEN.has(op));
    expect(missing).toEqual([]);
  });
});
