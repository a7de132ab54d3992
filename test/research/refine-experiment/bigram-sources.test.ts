/**
 * Where the kept rows' bigrams come from: each group's rows, bigrams and the bigram types no clean
 * transcript has, tokenized as distinct-2 counts them; and the line the audit prints.
 */
import { describe, expect, it } from 'vitest';
import { bigramSources, formatBigramSources } from '../../../research/refine-experiment/bigram-sources.js';

describe('bigramSources', () => {
  const clean = ['okay so a red square going right', 'a blue circle just sitting there'];

  it("counts each group's rows, bigrams and the types no clean transcript has", () => {
    const kept = [
      'okay so a red square going right', // a clean transcript kept: nothing new
      'a red square moves right on a gray background', // a model caption: new types
      'Red Square Going Right | Learn Shapes', // a title: "|" is dropped, so "right learn" spans it
      'a red square moves right', // the same group again: its types count once
    ];
    const groups = ['asr, clean', 'previous, noisy', 'title, noisy', 'previous, noisy'];
    expect(bigramSources(kept, groups, clean)).toEqual([
      // "a red", "red square" are known; new: square moves, moves right, right on, on a, a gray, gray background
      { group: 'previous, noisy', rows: 2, bigrams: 12, newTypes: 6 },
      { group: 'asr, clean', rows: 1, bigrams: 6, newTypes: 0 },
      // red square, square going, going right known; new: right learn, learn shapes
      { group: 'title, noisy', rows: 1, bigrams: 5, newTypes: 2 },
    ]);
  });

  it('refuses groups that do not match the rows, and prints nothing without groups', () => {
    expect(() => bigramSources(['a b'], [], clean)).toThrow(/0 groups for 1 rows/);
    expect(formatBigramSources([])).toBe('');
    expect(formatBigramSources([{ group: 'title, noisy', rows: 1, bigrams: 5, newTypes: 2 }])).toBe(
      "  where the kept rows' bigrams come from (rows · bigrams · types no clean transcript has): title, noisy 1 · 5 · 2\n",
    );
  });
});
