import { describe, expect, it } from 'vitest';
import { AdaptiveGamma, FixedGamma } from '../../../models/adatailr/gamma-strategy.js';

function batchWithNoise(noiseFrac: number, n: number, vocab: number): { logp: Float64Array; mask: Uint8Array } {
  const logp = new Float64Array(n);
  const mask = new Uint8Array(n).fill(1);
  const noisy = Math.round(noiseFrac * n);
  for (let i = 0; i < n; i++) logp[i] = i < noisy ? Math.log(0.1 / vocab) : Math.log(0.8);
  return { logp, mask };
}

describe('FixedGamma', () => {
  it('always returns its γ and rejects values outside [0, 1]', () => {
    const s = new FixedGamma(0.25);
    s.observe();
    expect(s.current().gamma).toBe(0.25);
    expect(() => new FixedGamma(1.5)).toThrow(/gamma must be in \[0, 1\], got 1.5/);
  });
});

describe('AdaptiveGamma', () => {
  it('keeps γ = 0 during warm-up', () => {
    const s = new AdaptiveGamma({ vocabSize: 100, warmupSteps: 3, unit: 'token' });
    const { logp, mask } = batchWithNoise(0.5, 100, 100);
    for (let i = 0; i < 3; i++) {
      expect(s.current().gamma).toBe(0);
      s.observe(logp, mask);
    }
    expect(s.current().gamma).toBeGreaterThan(0);
  });

  it('ρ tracks the fraction of implausible tokens and γ = ρ/(1−ρ)', () => {
    for (const noise of [0, 0.2, 0.4]) {
      const s = new AdaptiveGamma({ vocabSize: 100, warmupSteps: 0, emaAlpha: 0.5, unit: 'token', gammaMax: 1 });
      const { logp, mask } = batchWithNoise(noise, 200, 100);
      for (let i = 0; i < 30; i++) s.observe(logp, mask);
      const { gamma, rho } = s.current();
      expect(rho).toBeCloseTo(noise, 6);
      expect(gamma).toBeCloseTo(Math.min(1, noise / (1 - noise)), 4);
    }
  });

  it('clamps γ to 1 when more than half the tokens are implausible', () => {
    const s = new AdaptiveGamma({ vocabSize: 100, warmupSteps: 0, unit: 'token', gammaMax: 1 });
    const { logp, mask } = batchWithNoise(0.8, 100, 100);
    s.observe(logp, mask);
    expect(s.current().gamma).toBe(1);
  });

  it('ignores padded positions', () => {
    const s = new AdaptiveGamma({ vocabSize: 100, warmupSteps: 0, unit: 'token', gammaMax: 1 });
    s.observe([Math.log(1e-6), Math.log(0.9)], [0, 1]);
    expect(s.current().rho).toBe(0);
  });

  it('validates its options and quotes the bad value', () => {
    expect(() => new AdaptiveGamma({ vocabSize: 1 })).toThrow(/vocabSize must be an integer > 1, got 1/);
    expect(() => new AdaptiveGamma({ vocabSize: 10, pMin: 2 })).toThrow(/pMin must be in \(0, 1\), got 2/);
  });

  it('unit "sequence" (the default): ρ is the fraction of captions with any implausible token', () => {
    // 4 captions of 3 tokens (+1 pad): rows 0 and 2 carry one implausible token each
    const lp = [
      -0.1,
      Math.log(1e-4),
      -0.1,
      0,
      -0.1,
      -0.1,
      -0.1,
      0,
      Math.log(1e-4),
      Math.log(1e-4),
      -0.1,
      0,
      -0.2,
      -0.2,
      -0.2,
      0,
    ];
    const mask = [1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0];
    const seq = new AdaptiveGamma({ vocabSize: 100, warmupSteps: 0, emaAlpha: 1, gammaMax: 1 });
    expect(seq.unit).toBe('sequence');
    seq.observe(lp, mask, 4);
    expect(seq.current().rho).toBe(0.5);
    expect(seq.current().gamma).toBeCloseTo(1, 4);
    const tok = new AdaptiveGamma({ vocabSize: 100, warmupSteps: 0, emaAlpha: 1, unit: 'token' });
    tok.observe(lp, mask);
    expect(tok.current().rho).toBe(3 / 12);
    expect(() => seq.observe(lp, mask)).toThrow(/seqLen must divide the 16 log-probs, got undefined/);
  });

  it('γ is clamped at gammaMax (default 0.25)', () => {
    const s = new AdaptiveGamma({ vocabSize: 100, warmupSteps: 0, unit: 'token' });
    const { logp, mask } = batchWithNoise(0.4, 100, 100);
    s.observe(logp, mask);
    expect(s.current().rho).toBeCloseTo(0.4, 6);
    expect(s.current().gamma).toBe(0.25);
    expect(() => new AdaptiveGamma({ vocabSize: 100, gammaMax: 1.5 })).toThrow(/gammaMax must be in \[0, 1\], got 1.5/);
  });
});
