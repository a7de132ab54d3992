/**
 * The probe's gradients in float64 against central differences: every parameter of a micro probe
 * (both towers, with and without attention over the video patches, the learned temperature, the weighted symmetric InfoNCE), with the logit scale
 * below and above its clamp, with and without a hard negative per row; the loss is the weighted mean
 * of the per-row losses, and a hard negative only ever raises a row's loss.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { makeProbeConfig } from '../../../models/probe/config.js';
import { buildProbeTrainGraph, PROBE_IO } from '../../../models/probe/graphs.js';
import { initProbeWeights, LOG_SCALE } from '../../../models/probe/params.js';
import { mulberry32 } from '../../../models/rng.js';

const plainCfg = makeProbeConfig({ count: 2, size: 8 }, 11, {
  dModel: 8,
  heads: 2,
  ffn: 12,
  textLayers: 1,
  patch: 4,
  maxTextLen: 5,
});
/** The same probe with a transformer layer over both frames' patches in its video tower. */
const videoCfg = makeProbeConfig({ count: 2, size: 8 }, 11, { ...plainCfg, videoLayers: 1 });
const B = 3;

async function setup(logScale: number, weights: number[], hardNegatives = false, cfg = plainCfg) {
  const { bytes, specs } = buildProbeTrainGraph(cfg, { dtype: 'float64', optimizer: false, hardNegatives });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const r = mulberry32(5);
  const w32 = initProbeWeights({ ...cfg, initLogScale: logScale }, 3);
  const w = new Map([...w32].map(([k, v]) => [k, Float64Array.from(v)]));
  const frames = Uint8Array.from({ length: B * 2 * 8 * 8 * 3 }, () => Math.floor(r() * 256));
  const fixed: Record<string, ort.Tensor> = {
    [PROBE_IO.frames]: new ort.Tensor('uint8', frames, [B, 2, 8, 8, 3]),
    // row 3 is shorter (padding masked)
    [PROBE_IO.textIds]: new ort.Tensor(
      'int64',
      BigInt64Array.from([5n, 6n, 7n, 8n, 9n, 4n, 10n, 5n, 0n, 0n, 6n, 0n, 0n, 0n, 0n]),
      [B, 5],
    ),
    [PROBE_IO.sampleWeight]: new ort.Tensor('float64', Float64Array.from(weights), [B]),
    // one word of each row swapped (row 2's negative is longer than its caption)
    ...(hardNegatives
      ? {
          [PROBE_IO.hardIds]: new ort.Tensor(
            'int64',
            BigInt64Array.from([5n, 6n, 3n, 8n, 9n, 4n, 10n, 7n, 0n, 0n, 6n, 9n, 0n, 0n, 0n]),
            [B, 5],
          ),
        }
      : {}),
  };
  const feeds = (): Record<string, ort.Tensor> => {
    const f = { ...fixed };
    for (const s of specs)
      f[PROBE_IO.param(s.name)] = new ort.Tensor('float64', Float64Array.from(w.get(s.name)!), s.shape);
    return f;
  };
  return { session, specs, w, feeds, r };
}

describe('probe gradient (float64, central differences)', () => {
  for (const [label, logScale, hard, cfg] of [
    ['logit scale below its clamp', 1.5, false, plainCfg],
    ['logit scale above its clamp (no gradient, as in CLIP)', 5, false, plainCfg],
    ['with a hard negative per row', 1.5, true, plainCfg],
    ['with a transformer layer over the video patches', 1.5, false, videoCfg],
  ] as const) {
    it(`matches finite differences on sampled coordinates of every parameter — ${label}`, async () => {
      const { session, specs, w, feeds, r } = await setup(logScale, [1, 0.5, 2], hard, cfg);
      if (cfg.videoLayers) expect(specs.map((s) => s.name)).toContain('v0.attn.q.w');
      const out = await session.run(feeds());
      const eps = 1e-6;
      const failures: string[] = [];
      let checked = 0;
      let nonzero = 0;
      for (const s of specs) {
        const data = w.get(s.name)!;
        const grad = out[PROBE_IO.grad(s.name)].data as Float64Array;
        for (let k = 0; k < 2; k++) {
          const j = Math.floor(r() * data.length);
          const orig = data[j];
          data[j] = orig + eps;
          const lp = ((await session.run(feeds()))[PROBE_IO.loss].data as Float64Array)[0];
          data[j] = orig - eps;
          const lm = ((await session.run(feeds()))[PROBE_IO.loss].data as Float64Array)[0];
          data[j] = orig;
          const num = (lp - lm) / (2 * eps);
          checked++;
          if (Math.abs(num) > 1e-7) nonzero++;
          if (Math.abs(num - grad[j]) > 1e-6 + 1e-4 * Math.abs(num))
            failures.push(`${s.name}[${j}]: analytic ${grad[j]} vs numeric ${num}`);
        }
      }
      await session.release();
      expect(failures).toEqual([]);
      expect(checked).toBe(specs.length * 2);
      expect(nonzero).toBeGreaterThan(checked / 2);
      const gScale = (out[PROBE_IO.grad(LOG_SCALE)].data as Float64Array)[0];
      if (logScale > cfg.maxLogScale) expect(gScale).toBe(0);
      else expect(Math.abs(gScale)).toBeGreaterThan(0);
    });
  }

  it('the loss is the weighted mean of per-row symmetric cross-entropies; all-zero weights give 0', async () => {
    const { session, feeds } = await setup(1.5, [1, 0.5, 2]);
    const out = await session.run(feeds());
    const row = Array.from(out[PROBE_IO.rowLoss].data as Float64Array);
    const loss = (out[PROBE_IO.loss].data as Float64Array)[0];
    expect(loss).toBeCloseTo((row[0] * 1 + row[1] * 0.5 + row[2] * 2) / 3.5, 10);
    expect((out[PROBE_IO.scale].data as Float64Array)[0]).toBeCloseTo(Math.exp(1.5), 10);
    for (const x of row) expect(x).toBeGreaterThan(0);
    await session.release();
    const zero = await setup(1.5, [0, 0, 0]);
    const z = await zero.session.run(zero.feeds());
    expect((z[PROBE_IO.loss].data as Float64Array)[0]).toBe(0);
    await zero.session.release();
  });

  it('a hard negative raises the loss of every row (it joins the video → text softmax)', async () => {
    const plain = await setup(1.5, [1, 1, 1]);
    const hard = await setup(1.5, [1, 1, 1], true);
    const a = Array.from((await plain.session.run(plain.feeds()))[PROBE_IO.rowLoss].data as Float64Array);
    const b = Array.from((await hard.session.run(hard.feeds()))[PROBE_IO.rowLoss].data as Float64Array);
    await Promise.all([plain.session.release(), hard.session.release()]);
    a.forEach((x, i) => expect(b[i]).toBeGreaterThan(x));
  });
});
