/**
 * Word-swap hard negatives: a word is swapped only for a word the observed text has in the same
 * place, often enough; a caption with no such word has no negative; the draw is the rng's alone.
 */
import { describe, expect, it } from 'vitest';
import { makeRng } from '../../../models/rng.js';
import { swapWords, WordSwapNegatives } from '../../../models/probe/word-swap.js';

const corpus = [
  'a red square going left',
  'a red square going left',
  'a blue square going left',
  'a blue square going left',
  'a red circle going right',
  'a red circle going right',
  'Okay so   a RED typo going up',
];

describe('word-swap negatives', () => {
  it('swaps exactly one word for one seen in the same context at least minCount times', () => {
    const s = new WordSwapNegatives();
    s.observe(corpus);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const neg = s.negative('a red square going left', makeRng(1, 'test', i));
      expect(neg).not.toBeNull();
      const a = swapWords('a red square going left');
      const b = swapWords(neg!);
      expect(b).toHaveLength(a.length);
      expect(a.filter((w, k) => w !== b[k])).toHaveLength(1);
      seen.add(neg!);
    }
    // "red"→"blue" (a _ square), "square"→"circle" (red _ going), "left"→"right" (going _ end);
    // "typo" (red _ going) and "up" (going _ end) were seen once only, under minCount 2
    expect([...seen].sort()).toEqual([
      'a blue square going left',
      'a red circle going left',
      'a red square going right',
    ]);
  });

  it('gives null when no word has a substitute, and honours minCount', () => {
    const s = new WordSwapNegatives();
    s.observe(corpus);
    expect(s.negative('the sky is green', makeRng(1, 'test'))).toBeNull();
    const loose = new WordSwapNegatives(1);
    loose.observe(corpus);
    const draw = (sw: WordSwapNegatives): Set<string | null> =>
      new Set(Array.from({ length: 300 }, (_, i) => sw.negative('a red circle going right', makeRng(2, 't', i))));
    expect(draw(s).has('a red circle going up')).toBe(false);
    expect(draw(loose).has('a red circle going up')).toBe(true);
    expect(draw(loose).has('a red typo going right')).toBe(true);
    expect(() => new WordSwapNegatives(0)).toThrow(/minCount/);
  });

  it('is deterministic for an rng and reads words case- and space-insensitively', () => {
    const s = new WordSwapNegatives();
    s.observe(corpus);
    const a = s.negative('A  Red square GOING left', makeRng(3, 'x'));
    const b = s.negative('a red square going left', makeRng(3, 'x'));
    expect(a).toBe(b);
  });
});
