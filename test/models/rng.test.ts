/**
 * The one seeded random source: its streams are pinned (a change would silently alter every
 * generated benchmark, training order and initial weight), and its helpers keep their contracts.
 */
import { describe, expect, it } from 'vitest';
import { hash32, makeRng, mulberry32, normalRng, rankedSubset, shuffled } from '../../models/rng.js';

describe('seeded rng', () => {
  it('keeps the mulberry32 streams every seeded choice was made with', () => {
    expect(mulberry32(1)()).toBe(0.6270739405881613);
    expect(mulberry32(42)()).toBe(0.6011037519201636);
    expect(normalRng(3)()).toBe(0.7863846112224833);
    expect(makeRng(5, 'a', 0).next()).toBe(0.010359670734032989);
    expect(hash32('flywheel')).toBe(hash32('flywheel'));
    expect(hash32('a')).not.toBe(hash32('b'));
  });

  it('gives the same numbers for the same seed and different ones for another', () => {
    const take = (r: () => number): number[] => Array.from({ length: 5 }, r);
    expect(take(mulberry32(9))).toEqual(take(mulberry32(9)));
    expect(take(mulberry32(9))).not.toEqual(take(mulberry32(10)));
    for (const x of take(mulberry32(3))) expect(x >= 0 && x < 1).toBe(true);
  });

  it('shuffles into a permutation of a copy', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i);
    const s = shuffled(xs, mulberry32(4));
    expect([...s].sort((a, b) => a - b)).toEqual(xs);
    expect(s).not.toEqual(xs);
    expect(xs[0]).toBe(0);
  });

  it('rankedSubset picks exactly k, independent of exclusions elsewhere', () => {
    const pick = rankedSubset(2, 'split', 100, 10);
    expect(pick.size).toBe(10);
    const rest = rankedSubset(2, 'split', 100, 5, pick);
    for (const i of rest) expect(pick.has(i)).toBe(false);
  });
});
