import { describe, expect, it } from 'vitest';
import { createNoiseControl, lossConfigSchema } from '../../../models/adatailr/loss-config.js';
import { perSampleNll, truncationWeights } from '../../../models/adatailr/loss-truncation.js';

describe('truncationWeights', () => {
  it('drops the highest-loss fraction', () => {
    expect(Array.from(truncationWeights([0.1, 5, 0.3, 2, 0.2], 0.4))).toEqual([1, 0, 1, 0, 1]);
  });
  it('drops nothing at fraction 0 and rejects fraction 1', () => {
    expect(Array.from(truncationWeights([3, 2], 0))).toEqual([1, 1]);
    expect(() => truncationWeights([1], 1)).toThrow(/dropFraction must be in \[0, 1\), got 1/);
  });
  it('perSampleNll averages real tokens only', () => {
    const nll = perSampleNll([-1, -3, -2, -9], [1, 1, 1, 0], 2, 2);
    expect(Array.from(nll)).toEqual([2, 2]);
  });
});

describe('createNoiseControl', () => {
  it('mle → γ 0, all samples kept', () => {
    const nc = createNoiseControl(lossConfigSchema.parse({ kind: 'mle' }), 50);
    expect(nc.inputsFor(3)).toEqual({ gamma: 0, wMin: 0, sampleWeight: new Float32Array([1, 1, 1]) });
  });
  it('tailr → its fixed γ and w_min', () => {
    const nc = createNoiseControl(lossConfigSchema.parse({ kind: 'tailr', gamma: 0.5, wMin: 0.1 }), 50);
    const inp = nc.inputsFor(2);
    expect([inp.gamma, inp.wMin]).toEqual([0.5, 0.1]);
  });
  it('adatailr → γ moves off 0 once noise is observed after warm-up', () => {
    const nc = createNoiseControl(
      lossConfigSchema.parse({ kind: 'adatailr', warmupSteps: 1, unit: 'token', gammaMax: 1 }),
      50,
    );
    expect(nc.inputsFor(1).gamma).toBe(0);
    nc.observe([Math.log(1e-5), Math.log(0.9), Math.log(0.9), Math.log(0.9)], [1, 1, 1, 1]);
    expect(nc.inputsFor(1).gamma).toBeCloseTo(0.25 / 0.75, 4);
  });
  it('loss-truncation needs a pre-score and drops the worst sample', () => {
    const nc = createNoiseControl(lossConfigSchema.parse({ kind: 'loss-truncation', dropFraction: 0.5 }), 50);
    expect(nc.needsPreScore).toBe(true);
    expect(() => nc.inputsFor(2)).toThrow(/pre-scored/);
    const w = nc.inputsFor(2, { tokenLogp: [-0.1, -0.1, -4, -4], mask: [1, 1, 1, 1], seqLen: 2 }).sampleWeight;
    expect(Array.from(w)).toEqual([1, 0]);
  });
  it('rejects an unknown loss kind, naming the field', () => {
    const r = lossConfigSchema.safeParse({ kind: 'focal' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('kind');
  });
  it('rejects an unknown key (a typo would otherwise be ignored silently)', () => {
    const r = lossConfigSchema.safeParse({ kind: 'adatailr', warmupStep: 5 });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('warmupStep');
  });
  it('adatailr observe without seqLen takes the layout from the last inputsFor batch size', () => {
    const nc = createNoiseControl(lossConfigSchema.parse({ kind: 'adatailr', warmupSteps: 0, emaAlpha: 1 }), 50);
    nc.inputsFor(2);
    nc.observe([Math.log(1e-5), -0.1, -0.1, -0.1], [1, 1, 1, 1]);
    expect(nc.current().rho).toBe(0.5);
  });
});
