import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../../models/captioner/config.js';
import { buildTrainGraph, TRAIN_IO } from '../../../models/captioner/train-graph.js';
import { initWeights } from '../../../models/captioner/params.js';
import { mulberry32 } from '../../../models/rng.js';

// A micro captioner (every layer type, 2 heads, 2 frames of 8×8) checked end to end in float64.
const cfg = makeConfig(
  {
    dModel: 8,
    heads: 2,
    ffn: 12,
    encLayers: 1,
    decLayers: 1,
    frames: 2,
    frameSize: 8,
    patch: 4,
    maxTextLen: 4,
    maxCaptionLen: 6,
  },
  11,
);

describe('full captioner gradient (float64, central differences)', () => {
  it('matches finite differences on sampled coordinates of every parameter', async () => {
    const { bytes, specs } = buildTrainGraph(cfg, { dtype: 'float64', optimizer: false });
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const r = mulberry32(7);
    // Larger-than-default init so gradients are not vanishingly small.
    const w32 = initWeights(
      specs.map((s) => ({ ...s, std: s.init === 'normal' ? 0.5 : 0 })),
      3,
    );
    const w = new Map([...w32].map(([k, v]) => [k, Float64Array.from(v)]));
    const B = 2;
    const frames = Uint8Array.from({ length: B * 2 * 8 * 8 * 3 }, () => Math.floor(r() * 256));
    const fixed: Record<string, ort.Tensor> = {
      [TRAIN_IO.frames]: new ort.Tensor('uint8', frames, [B, 2, 8, 8, 3]),
      [TRAIN_IO.textIds]: new ort.Tensor('int64', BigInt64Array.from([5n, 6n, 7n, 8n, 9n, 4n, 0n, 0n]), [B, 4]),
      [TRAIN_IO.captionIds]: new ort.Tensor('int64', BigInt64Array.from([1n, 4n, 5n, 6n, 2n, 1n, 7n, 2n, 0n, 0n]), [
        B,
        5,
      ]),
      [TRAIN_IO.sampleWeight]: new ort.Tensor('float64', Float64Array.from([1, 0.5]), [B]),
      // gamma = 0: the detached TaiLr weight is exactly 1, so the loss's true gradient equals the autodiff one.
      [TRAIN_IO.gamma]: new ort.Tensor('float64', Float64Array.from([0]), []),
      [TRAIN_IO.wMin]: new ort.Tensor('float64', Float64Array.from([0]), []),
    };
    const feeds = (): Record<string, ort.Tensor> => {
      const f = { ...fixed };
      for (const s of specs)
        f[TRAIN_IO.param(s.name)] = new ort.Tensor('float64', Float64Array.from(w.get(s.name)!), s.shape);
      return f;
    };
    const out = await session.run(feeds());
    const eps = 1e-6;
    const failures: string[] = [];
    let checked = 0;
    let nonzero = 0;
    for (const s of specs) {
      const data = w.get(s.name)!;
      const grad = out[TRAIN_IO.grad(s.name)].data as Float64Array;
      for (let k = 0; k < 2; k++) {
        const j = Math.floor(r() * data.length);
        const orig = data[j];
        data[j] = orig + eps;
        const lp = ((await session.run(feeds())).loss.data as Float64Array)[0];
        data[j] = orig - eps;
        const lm = ((await session.run(feeds())).loss.data as Float64Array)[0];
        data[j] = orig;
        const num = (lp - lm) / (2 * eps);
        checked++;
        if (Math.abs(num) > 1e-6) nonzero++;
        if (Math.abs(num - grad[j]) > 1e-6 + 1e-4 * Math.abs(num))
          failures.push(`${s.name}[${j}]: analytic ${grad[j]} vs numeric ${num}`);
      }
    }
    await session.release();
    expect(failures).toEqual([]);
    expect(checked).toBe(specs.length * 2);
    expect(nonzero).toBeGreaterThan(checked / 2);
  });
});
