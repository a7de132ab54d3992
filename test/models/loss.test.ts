import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Graph } from '../../models/graph/graph.js';
import { gradients } from '../../models/graph/autodiff.js';
import { serialize } from '../../models/graph/serialize.js';
import { tailrLoss } from '../../models/loss.js';

async function makeLoss() {
  const g = new Graph('loss');
  const logp = g.input('logp', 'float64', [2, 3]);
  const mask = g.input('mask', 'float64', [2, 3]);
  const sw = g.input('sw', 'float64', [2]);
  const gamma = g.input('gamma', 'float64', []);
  const wMin = g.input('w_min', 'float64', []);
  const l = tailrLoss(logp, mask, sw, gamma, wMin);
  const [dlogp] = gradients(l.loss, [logp]);
  g.output(l.loss, 'loss');
  g.output(l.tokenWeight, 'w');
  g.output(l.tokenLogp, 'token_logp');
  g.output(dlogp, 'dlogp');
  const s = await ort.InferenceSession.create(serialize(g));
  return async (lp: number[], m: number[], s_: number[], gm: number, wm: number) => {
    const f = (d: number[], shape: number[]) => new ort.Tensor('float64', Float64Array.from(d), shape);
    const out = await s.run({
      logp: f(lp, [2, 3]),
      mask: f(m, [2, 3]),
      sw: f(s_, [2]),
      gamma: f([gm], []),
      w_min: f([wm], []),
    });
    return {
      loss: (out.loss.data as Float64Array)[0],
      w: Array.from(out.w.data as Float64Array),
      tokenLogp: Array.from(out.token_logp.data as Float64Array),
      dlogp: Array.from(out.dlogp.data as Float64Array),
    };
  };
}

/** Reference implementation of the contract in docs/models.md. */
function reference(lp: number[], m: number[], sw: number[], gamma: number, wMin: number) {
  const w = lp.map((x) => {
    const p = Math.exp(x);
    const den = gamma + (1 - gamma) * p;
    return Math.min(1, Math.max(wMin, den > 1e-30 ? p / den : 1));
  });
  let num = 0;
  let z = 0;
  lp.forEach((x, i) => {
    const s = sw[Math.floor(i / 3)] * m[i];
    num += s * w[i] * x;
    z += s;
  });
  return {
    loss: -num / Math.max(z, 1e-30),
    w: w.map((x, i) => x * m[i]),
    dlogp: lp.map((_, i) => (-sw[Math.floor(i / 3)] * m[i] * w[i]) / Math.max(z, 1e-30)),
  };
}

describe('TaiLr loss hook', () => {
  const lp = [-0.1, -2, -5, -0.7, -1.2, -3];
  const mask = [1, 1, 1, 1, 1, 0];
  for (const [name, gamma, wMin, sw] of [
    ['gamma = 0 is plain MLE (w = 1)', 0, 0, [1, 1]],
    ['gamma = 1 weights by p, clamped at w_min', 1, 0.05, [1, 1]],
    ['gamma = 0.5 with per-sample weights', 0.5, 0, [1, 0.25]],
    ['dropped sample (weight 0) contributes nothing', 0.3, 0.1, [0, 1]],
  ] as const) {
    it(name, async () => {
      const run = await makeLoss();
      const got = await run(lp, mask, [...sw], gamma, wMin);
      const want = reference(lp, mask, [...sw], gamma, wMin);
      expect(got.loss).toBeCloseTo(want.loss, 10);
      got.w.forEach((x, i) => expect(x).toBeCloseTo(want.w[i], 10));
      // Weights are detached: d loss / d logp = −s·w·m / Z, with no term through w.
      got.dlogp.forEach((x, i) => expect(x).toBeCloseTo(want.dlogp[i], 10));
      if (gamma === 0) expect(got.w).toEqual(mask);
    });
  }

  it('guards 0/0 (gamma = 0, p = 0) and an all-dropped batch', async () => {
    const run = await makeLoss();
    const got = await run([-1e4, -1, -1, -1, -1, -1], [1, 1, 1, 1, 1, 1], [1, 1], 0, 0);
    expect(got.w[0]).toBe(1);
    expect(Number.isFinite(got.loss)).toBe(true);
    const none = await run(lp, mask, [0, 0], 0.5, 0);
    expect(Math.abs(none.loss)).toBe(0);
    expect(none.dlogp.every((x) => x === 0)).toBe(true);
    expect(none.tokenLogp[5]).toBe(0); // pad position reports 0
    expect(none.tokenLogp[0]).toBeCloseTo(-0.1, 12);
  });
});
