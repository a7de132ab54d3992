import { describe, expect, it } from 'vitest';
import { ciderD } from '../../metrics/index.js';

// Worked example (two items, so log(#docs) = ln 2 and idf is not all zero):
//   refs A = "a red circle", refs B = "a green square".
//   df("a") = 2 → weight ln2 − ln2 = 0; every other n-gram has df 1 → weight ln2 − ln1 = ln2 (call it L).
// Item A, candidate = reference:
//   n=1 {a:0, red:L, circle:L} both sides → Σ min·ref = 2L², norms √2L·√2L = 2L² → 1
//   n=2 {a red:L, red circle:L} → 1;  n=3 {a red circle:L} → 1;  n=4 empty → 0
//   lengths (bigram counts) 2 and 2 → penalty 1;  mean over n = 3/4 → ×10 = 7.5
// Item B, candidate "a blue square" vs "a green square":
//   n=1 hyp {a:0, blue:L (df 0 → log max(1,0) = 0), square:L}, ref {a:0, green:L, square:L}
//       Σ = L² (square), norms √2L·√2L → 0.5;  n=2..4 share nothing → 0
//   mean = 0.5/4 = 0.125 → ×10 = 1.25.   Corpus = (7.5 + 1.25)/2 = 4.375
describe('ciderD', () => {
  it('matches the hand-computed example', () => {
    const r = ciderD(['a red circle', 'a blue square'], [['a red circle'], ['a green square']]);
    expect(r.perItem[0]).toBeCloseTo(7.5, 10);
    expect(r.perItem[1]).toBeCloseTo(1.25, 10);
    expect(r.score).toBeCloseTo(4.375, 10);
  });

  // Candidate "red circle" vs "a red circle" (same refs as above, so same idf):
  //   n=1 {red:L, circle:L} vs {a:0, red:L, circle:L}: Σ = 2L², norms √2L·√2L → 1
  //   n=2 {red circle:L} vs {a red:L, red circle:L}: Σ = L², norms L·√2L → 1/√2
  //   n=3,4 → 0.   lengths: 1 bigram vs 2 → δ = −1 → penalty exp(−1/72)
  //   score = (1 + 1/√2)/4 × 10 × exp(−1/72) = 4.2677670 × 0.9862071 = 4.2089021
  it('applies the Gaussian length penalty (σ = 6) on bigram-count lengths', () => {
    const r = ciderD(['red circle', 'a blue square'], [['a red circle'], ['a green square']]);
    expect(r.perItem[0]).toBeCloseTo(((1 + Math.SQRT1_2) / 4) * 10 * Math.exp(-1 / 72), 10);
    expect(r.perItem[0]).toBeCloseTo(4.2089021, 6);
  });

  // Candidate "red red circle" vs "a red circle" (same refs, so same idf; L = ln 2):
  //   n=1 hyp {red:2L (tf 2), circle:L}, ref {a:0, red:L, circle:L}
  //       clipped Σ min(h, r)·r = min(2L, L)·L + L·L = 2L²  (unclipped: 2L·L + L·L = 3L²)
  //       norms √(4L²+L²)·√(2L²) = √10·L² → 2/√10 (unclipped 3/√10)
  //   n=2 hyp {red red:L (df 0), red circle:L}, ref {a red:L, red circle:L}: Σ = L², norms 2L² → 1/2
  //   n=3 {red red circle} vs {a red circle} → 0;  n=4 → 0.   lengths 2 and 2 → penalty 1
  //   score = (2/√10 + 1/2)/4 × 10 = (0.6324555 + 0.5) × 2.5 = 2.8311388
  //   without clipping it would be (3/√10 + 1/2) × 2.5 = 3.6217082
  it('clips repeated candidate n-grams to the reference weight', () => {
    const r = ciderD(['red red circle', 'x'], [['a red circle'], ['a green square']]);
    expect(r.perItem[0]).toBeCloseTo((2 / Math.sqrt(10) + 0.5) * 2.5, 10);
    expect(r.perItem[0]).toBeCloseTo(2.8311388, 6);
  });

  it('averages over several references and is 0 with a single item (log 1 = 0), as the reference does', () => {
    expect(ciderD(['a red circle'], [['a red circle']]).score).toBe(0);
    const two = ciderD(['a red circle', 'a blue square'], [['a red circle', 'a green square'], ['a green square']]);
    expect(two.perItem[0]).toBeLessThan(7.5);
    expect(two.perItem[0]).toBeGreaterThan(0);
  });

  it('rejects mismatched inputs and empty reference lists', () => {
    expect(() => ciderD(['a'], [])).toThrow(/1 candidates but 0/);
    expect(() => ciderD(['a'], [[]])).toThrow(/no reference/);
  });
});
