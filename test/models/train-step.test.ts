/**
 * The shared tail of the training graphs (`models/train-step.ts`) on a one-parameter loss
 * L = Σ w², run in ONNX Runtime: without the optimizer it outputs dL/dw = 2w under `grad.w`; with it,
 * the reported loss, the gradient norm and one AdamW step that moves w against its gradient.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Graph } from '../../models/graph/graph.js';
import * as o from '../../models/graph/ops.js';
import { serialize } from '../../models/graph/serialize.js';
import { ADAMW_IO } from '../../models/optim.js';
import { appendTrainStep } from '../../models/train-step.js';

const W = [0.5, -1, 2];

async function run(optimizer: boolean, feeds: Record<string, number[]>): Promise<Record<string, number[]>> {
  const g = new Graph('train_step_test');
  const w = g.input(ADAMW_IO.param('w'), 'float32', [3]);
  const loss = o.reduceSum(o.mul(w, w), [], false);
  appendTrainStep(g, 'float32', loss, [{ name: 'w', shape: [3], decay: false, value: w }], {
    optimizer,
    report: { loss },
  });
  const session = await ort.InferenceSession.create(serialize(g), { intraOpNumThreads: 1 });
  try {
    const input: Record<string, ort.Tensor> = {};
    for (const [name, v] of Object.entries(feeds))
      input[name] = new ort.Tensor('float32', Float32Array.from(v), name.includes('.') ? [v.length] : []);
    const out = await session.run(input);
    return Object.fromEntries(Object.entries(out).map(([n, t]) => [n, Array.from(t.data as Float32Array)]));
  } finally {
    await session.release();
  }
}

describe('appendTrainStep', () => {
  it('outputs the reported loss and the raw gradients when the optimizer is off', async () => {
    const out = await run(false, { [ADAMW_IO.param('w')]: W });
    expect(out.loss[0]).toBeCloseTo(5.25, 5);
    expect(out[ADAMW_IO.grad('w')]).toEqual(W.map((x) => 2 * x));
    expect(out[ADAMW_IO.paramOut('w')]).toBeUndefined();
  });

  it('steps AdamW against the gradient, reporting its norm and learning rate', async () => {
    const out = await run(true, {
      [ADAMW_IO.param('w')]: W,
      [ADAMW_IO.m('w')]: [0, 0, 0],
      [ADAMW_IO.v('w')]: [0, 0, 0],
      [ADAMW_IO.step]: [1],
      [ADAMW_IO.lr]: [0.1],
      [ADAMW_IO.warmupSteps]: [0],
      [ADAMW_IO.totalSteps]: [10],
      [ADAMW_IO.weightDecay]: [0],
      [ADAMW_IO.maxGradNorm]: [0],
    });
    expect(out.loss[0]).toBeCloseTo(5.25, 5);
    expect(out[ADAMW_IO.gradNorm][0]).toBeCloseTo(Math.hypot(...W.map((x) => 2 * x)), 4);
    // no warm-up, so step 1 of 10 has decayed a tenth of the way to 0.1 · lr: 0.1 · (1 − 0.9 · 0.1)
    expect(out[ADAMW_IO.lrUsed][0]).toBeCloseTo(0.091, 6);
    // the first bias-corrected Adam step is lr · sign(g) for every coordinate
    const next = out[ADAMW_IO.paramOut('w')];
    W.forEach((x, i) => expect(next[i]).toBeCloseTo(x - 0.091 * Math.sign(x), 5));
    expect(out[ADAMW_IO.grad('w')]).toBeUndefined();
  });
});
