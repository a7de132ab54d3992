import { describe, expect, it } from 'vitest';
import { filterPolicySchema } from '../../../config/filter-policy.js';
import { decideKeep } from '../../../stages/adatailr/filter-policy.js';
import { rowScore } from '../../../stages/adatailr/stage.js';

describe('decideKeep', () => {
  const w = [0.9, 0.2, Number.NaN, 0.6, 0.4];
  it('threshold keeps weights at or above the bar and says why', () => {
    const d = decideKeep(filterPolicySchema.parse({ kind: 'threshold', min_weight: 0.5 }), w);
    expect(d.map((x) => x.keep)).toEqual([true, false, false, true, false]);
    expect(d[1].reason).toBe('threshold: weight 0.200 < 0.5');
    expect(d[2].reason).toBe('empty caption');
  });
  it('top-fraction keeps the best ceil(f·n) scored rows', () => {
    const d = decideKeep(filterPolicySchema.parse({ kind: 'top-fraction', fraction: 0.5 }), w);
    expect(d.map((x) => x.keep)).toEqual([true, false, false, true, false]);
  });
  it('estimated-noise drops the ⌊ρ̂·n⌋ lowest-weighted scored rows, capped by max_drop', () => {
    const p = filterPolicySchema.parse({ kind: 'estimated-noise' });
    expect(p).toEqual({ kind: 'estimated-noise', max_drop: 0.9 });
    const d = decideKeep(p, w, { noiseEstimate: 0.5 });
    expect(d.map((x) => x.keep)).toEqual([true, false, false, true, false]);
    expect(d[4].reason).toBe('estimated-noise ρ̂=0.500: out of the top 2 of 4');
    expect(decideKeep(p, w, { noiseEstimate: 0.25 }).map((x) => x.keep)).toEqual([true, false, false, true, true]);
    expect(decideKeep(p, w, { noiseEstimate: 0 }).map((x) => x.keep)).toEqual([true, true, false, true, true]);
    const capped = decideKeep({ kind: 'estimated-noise', max_drop: 0.25 }, w, { noiseEstimate: 1 });
    expect(capped.map((x) => x.keep)).toEqual([true, false, false, true, true]);
  });
  it('estimated-noise without an estimate is an error, not a silent keep-all', () => {
    expect(() => decideKeep({ kind: 'estimated-noise', max_drop: 0.9 }, w)).toThrow(/noise estimate/);
  });
  it('ranking policies break ties in weight by NLL (γ = 0 gives every row weight 1), else by row order', () => {
    const ones = [1, 1, 1, 1];
    const p = filterPolicySchema.parse({ kind: 'top-fraction', fraction: 0.5 });
    expect(decideKeep(p, ones, { nll: [0.9, 0.1, 0.5, 0.2] }).map((x) => x.keep)).toEqual([false, true, false, true]);
    expect(decideKeep(p, ones).map((x) => x.keep)).toEqual([true, true, false, false]);
    expect(decideKeep(p, [0.2, 0.9, 0.9, 0.1], { nll: [0, 5, 1, 0] }).map((x) => x.keep)).toEqual([
      false,
      true,
      true,
      false,
    ]); // weight first
    expect(() => decideKeep(p, ones, { nll: [1] })).toThrow(/1 NLLs for 4 weights/);
  });
  it('keep-all keeps every scored row', () => {
    expect(decideKeep({ kind: 'keep-all' }, w).map((x) => x.keep)).toEqual([true, true, false, true, true]);
  });
});

describe('rowScore', () => {
  it('averages the TaiLr weights and the NLL over the caption tokens', () => {
    const s = rowScore([Math.log(0.5), Math.log(0.25)], 1, 0);
    expect(s.meanWeight).toBeCloseTo(0.375, 6);
    expect(s.nll).toBeCloseTo(-(Math.log(0.5) + Math.log(0.25)) / 2, 6);
  });
  it('γ = 0 weighs every token 1 (MLE)', () => {
    expect(rowScore([Math.log(0.01)], 0, 0).meanWeight).toBe(1);
  });
  it('an empty caption has no score', () => {
    expect(Number.isNaN(rowScore([], 1, 0).meanWeight)).toBe(true);
  });
});
