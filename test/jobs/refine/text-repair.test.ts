/**
 * Repair training's inputs: a transcript shown with none, one or two of its words swapped for words
 * the rows' transcripts use in the same place, learnt only from the rows a phase trains on that are
 * captioned by their own transcript.
 */
import { describe, expect, it } from 'vitest';
import { repairInput, textRepair, transcriptCaptioned } from '../../../jobs/refine/text-repair.js';
import type { TrainExample } from '../../../jobs/refine/training-set.js';
import { makeRng } from '../../../models/rng.js';

const row = (caption: string, over: Partial<TrainExample> = {}): TrainExample => ({
  clipId: caption,
  split: 'train',
  text: 'a title',
  caption,
  captionSource: 'asr',
  weight: 1,
  keep: true,
  gamma: 0,
  rho: 0,
  ...over,
});

const NARRATION = [
  'so we have a red square going left',
  'so we have a blue square going left',
  'so we have a red circle going left',
  'so we have a red square going right',
];
// every narration twice, so each word is seen twice in its context (a one-off is not swapped in)
const ROWS = [...NARRATION, ...NARRATION].map((c, i) => row(c, { clipId: `c${i}` }));

const differing = (a: string, b: string): number => {
  const x = a.split(' ');
  const y = b.split(' ');
  expect(y.length).toBe(x.length);
  return x.filter((w, i) => w !== y[i]).length;
};

describe('repairInput', () => {
  it('swaps none, one or two words, about a third each, and only for words seen in the same place', () => {
    const { swaps } = textRepair(1, ROWS, () => true);
    const counts = [0, 0, 0];
    for (let s = 0; s < 600; s++) {
      const out = repairInput(NARRATION[0], swaps, makeRng(s, 'repair-test'));
      const n = differing(NARRATION[0], out);
      expect(n).toBeLessThanOrEqual(2);
      counts[n]++;
      for (const w of out.split(' ')) expect(NARRATION.join(' ').split(' ')).toContain(w);
    }
    // two swaps can land on one word (and swap it back): "two" is rarer than a third
    expect(counts[0]).toBeGreaterThan(150);
    expect(counts[1]).toBeGreaterThan(150);
    expect(counts[2]).toBeGreaterThan(60);
  });

  it('is the same for the same seed', () => {
    const { swaps } = textRepair(1, ROWS, () => true);
    const once = [0, 1, 2, 3].map((s) => repairInput(NARRATION[1], swaps, makeRng(s, 'x')));
    expect([0, 1, 2, 3].map((s) => repairInput(NARRATION[1], swaps, makeRng(s, 'x')))).toEqual(once);
  });

  it('leaves a transcript with no swappable word as it is', () => {
    const { swaps } = textRepair(1, ROWS, () => true);
    for (let s = 0; s < 20; s++)
      expect(repairInput('welcome back to the channel', swaps, makeRng(s, 'x'))).toBe('welcome back to the channel');
  });
});

describe('textRepair', () => {
  it('learns swaps only from the selected rows captioned by their own transcript', () => {
    const title = [1, 2].map((i) =>
      row('so we have a green square going left', { clipId: `t${i}`, captionSource: 'title' }),
    );
    const other = [1, 2].map((i) => row('so we have a pink square going left', { clipId: `o${i}` }));
    const { swaps } = textRepair(1, [...ROWS, ...title, ...other], (e) => !e.clipId.startsWith('o'));
    for (let s = 0; s < 300; s++) {
      const out = repairInput(NARRATION[0], swaps, makeRng(s, 'y'));
      expect(out).not.toMatch(/green|pink/);
    }
  });

  it('refuses a share outside [0, 1]', () => {
    expect(() => textRepair(1.5, ROWS, () => true)).toThrow(/share must be in \[0, 1\], got 1.5/);
    expect(() => textRepair(-0.1, ROWS, () => true)).toThrow(/got -0.1/);
  });

  it('counts a row as transcript-captioned only when its caption is its non-empty transcript', () => {
    expect(transcriptCaptioned(row('a red square'))).toBe(true);
    expect(transcriptCaptioned(row(' '))).toBe(false);
    expect(transcriptCaptioned(row('a red square', { captionSource: 'previous' }))).toBe(false);
  });
});
