import { describe, expect, it } from 'vitest';
import { tailrWeight, tailrWeights, weightedNll } from '../../../models/adatailr/token-weights.js';

describe('tailrWeight', () => {
  it('γ = 0 is plain MLE: every weight is 1, even at p = 0', () => {
    for (const p of [0, 1e-9, 0.3, 1]) expect(tailrWeight(p, 0, 0)).toBe(1);
  });
  it('γ = 1 gives w = p, the strongest down-weighting', () => {
    for (const p of [0.01, 0.3, 0.9]) expect(tailrWeight(p, 1, 0)).toBeCloseTo(p, 12);
  });
  it('matches p / (γ + (1 − γ) p) in between', () => {
    expect(tailrWeight(0.2, 0.5, 0)).toBeCloseTo(0.2 / (0.5 + 0.5 * 0.2), 12);
  });
  it('stays in [w_min, 1] over a grid of p and γ', () => {
    for (let g = 0; g <= 1; g += 0.125) {
      for (let p = 0; p <= 1; p += 0.0625) {
        const w = tailrWeight(p, g, 0.1);
        expect(w).toBeGreaterThanOrEqual(0.1);
        expect(w).toBeLessThanOrEqual(1);
      }
    }
  });
  it('is monotone in p for fixed γ (plausible tokens weigh more)', () => {
    let prev = -1;
    for (let p = 0; p <= 1; p += 0.05) {
      const w = tailrWeight(p, 0.7, 0);
      expect(w).toBeGreaterThanOrEqual(prev);
      prev = w;
    }
  });
});

describe('weightedNll', () => {
  const logp = [Math.log(0.5), Math.log(0.25), Math.log(0.9), Math.log(0.1)];
  const mask = [1, 1, 1, 0];
  it('with γ = 0 equals the mean NLL over real tokens', () => {
    const expected = -(Math.log(0.5) + Math.log(0.25) + Math.log(0.9)) / 3;
    expect(weightedNll(logp, mask, [1, 1], 2, 0, 0)).toBeCloseTo(expected, 10);
  });
  it('with γ = 1 weights each token by its probability', () => {
    const expected = -(0.5 * Math.log(0.5) + 0.25 * Math.log(0.25) + 0.9 * Math.log(0.9)) / 3;
    expect(weightedNll(logp, mask, [1, 1], 2, 1, 0)).toBeCloseTo(expected, 10);
  });
  it('a sample weight of 0 removes the sample from both sums', () => {
    expect(weightedNll(logp, mask, [1, 0], 2, 0, 0)).toBeCloseTo(-(Math.log(0.5) + Math.log(0.25)) / 2, 10);
  });
  it('tailrWeights maps log-probs to weights', () => {
    expect(Array.from(tailrWeights([Math.log(0.5)], 1, 0))[0]).toBeCloseTo(0.5, 6);
  });
});
