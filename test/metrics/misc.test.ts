import { describe, expect, it } from 'vitest';
import { captionBigrams, diversity, noiseDetection, quantity } from '../../metrics/index.js';

describe('diversity', () => {
  it('computes distinct-n, vocabulary and entropy on a worked example', () => {
    // tokens: [a red circle] [a red square] → 6 tokens, vocab {a, red, circle, square} = 4
    // distinct-1 = 4/6; bigrams {a red, red circle, a red, red square} → 3 unique / 4
    // p = a 2/6, red 2/6, circle 1/6, square 1/6 → H = 2·(1/3)log2 3 + 2·(1/6)log2 6 = 1.9182958
    const d = diversity(['a red circle', 'A red square.']);
    expect(d.tokens).toBe(6);
    expect(d.vocabulary).toBe(4);
    expect(d.distinct1).toBeCloseTo(4 / 6, 12);
    expect(d.distinct2).toBeCloseTo(3 / 4, 12);
    expect(d.entropy).toBeCloseTo((2 / 3) * Math.log2(3) + (1 / 3) * Math.log2(6), 12);
    expect(d.entropy).toBeCloseTo(1.9182958, 6);
  });
  it('is all zero for an empty corpus', () => {
    expect(diversity([])).toEqual({ distinct1: 0, distinct2: 0, vocabulary: 0, entropy: 0, tokens: 0 });
  });
  it("counts a caption's bigrams as distinct-2 does: tokenized, none across captions", () => {
    expect(captionBigrams('A red square.')).toEqual(['a red', 'red square']);
    expect(captionBigrams('red')).toEqual([]);
    expect(captionBigrams('')).toEqual([]);
    const corpus = ['a red circle', 'A red square.', 'a red circle'];
    const all = corpus.flatMap(captionBigrams);
    expect(diversity(corpus).distinct2).toBeCloseTo(new Set(all).size / all.length, 12);
  });
});

describe('quantity', () => {
  it('counts rows and tokens before and after filtering', () => {
    expect(quantity(['a red circle', 'go', ''], [true, false, true])).toEqual({
      rows: 3,
      tokens: 4,
      rowsKept: 2,
      tokensKept: 3,
      keptFraction: 2 / 3,
    });
    expect(quantity(['a b']).rowsKept).toBe(1);
    expect(() => quantity(['a'], [])).toThrow(/kept flags/);
  });
});

describe('noiseDetection', () => {
  it('scores flagged rows against corrupted rows', () => {
    // flagged {1,2,3,4}, corrupted {2,3,5}: tp 2, fp 2, fn 1 → P 0.5, R 2/3, F1 = 2·(1/3)/(7/6) = 4/7
    const m = noiseDetection(['1', '2', '3', '4'], ['2', '3', '5']);
    expect(m).toMatchObject({ truePositives: 2, falsePositives: 2, falseNegatives: 1, precision: 0.5 });
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(4 / 7, 12);
  });
  it('gives 0 for zero denominators', () => {
    expect(noiseDetection([], ['a'])).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(noiseDetection(['a'], [])).toMatchObject({ precision: 0, recall: 0, f1: 0, falsePositives: 1 });
  });
});
