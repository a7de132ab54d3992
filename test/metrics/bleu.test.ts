import { describe, expect, it } from 'vitest';
import { bleu } from '../../metrics/index.js';

describe('bleu (corpus, COCO "closest")', () => {
  // cand1 "a red circle moves left" = its reference (5 tokens)
  // cand2 "a blue square" (3) vs "a green square stays still" (5)
  // clipped matches / guesses summed over the corpus:
  //   1-grams (5 + 2) / (5 + 3) = 7/8;  2-grams (4 + 0)/(4 + 2) = 4/6
  //   3-grams (3 + 0)/(3 + 1) = 3/4;    4-grams (2 + 0)/(2 + 0) = 1
  // c = 8, r = 10 → BP = exp(1 − 10/8) = exp(−0.25) = 0.7788008
  // BLEU-4 = (7/8 · 4/6 · 3/4 · 1)^(1/4) · BP = 0.4375^0.25 · 0.7788008 = 0.8132883 · 0.7788008 = 0.6333895
  // BLEU-1 = 7/8 · BP = 0.6814507
  it('matches the hand-computed example', () => {
    const r = bleu(
      ['a red circle moves left', 'a blue square'],
      [['a red circle moves left'], ['a green square stays still']],
    );
    expect(r.precisions).toEqual([7 / 8, 4 / 6, 3 / 4, 1]);
    expect(r.candidateLength).toBe(8);
    expect(r.referenceLength).toBe(10);
    expect(r.brevityPenalty).toBeCloseTo(Math.exp(-0.25), 8);
    expect(r.score).toBeCloseTo(0.6333895, 6);
    expect(r.bleu[0]).toBeCloseTo(0.6814507, 6);
  });

  it('uses the closest reference length, ties to the shorter', () => {
    // candidate 3 tokens; refs of 5 and 2 tokens → closest is 2 → c > r → no penalty
    expect(bleu(['a red circle'], [['a red circle moves left', 'a circle']]).referenceLength).toBe(2);
    // refs of 2 and 4 tokens are both 1 away → the shorter (2)
    expect(bleu(['a red circle'], [['a red circle moves', 'a circle']]).referenceLength).toBe(2);
  });

  it('clips candidate counts to the max count in any single reference', () => {
    // "the the the the" vs refs "the cat" and "the the dog": max count of "the" = 2 → p1 = 2/4
    const r = bleu(['the the the the'], [['the cat', 'the the dog']]);
    expect(r.precisions[0]).toBe(0.5);
  });

  // (the reference implementation adds 1e-9 to denominators, so "1" is 1 − 5e-10: compare to 8 digits)
  it('is 1 for identical corpora and ≈0 when a 4-gram precision is 0', () => {
    expect(bleu(['a b c d e'], [['a b c d e']]).score).toBeCloseTo(1, 8);
    expect(bleu(['a b c x e'], [['a b c d e']]).score).toBeLessThan(1e-3);
  });
});
