/**
 * The wording check: distinct-2 at a given size is measured on seeded samples of that size, so a
 * large set of repeated captions and a small one compare at equal size.
 */
import { describe, expect, it } from 'vitest';
import { diversity } from '../../../metrics/diversity.js';
import { distinct2AtSize, formatWordingCheck, wordingCheck } from '../../../research/refine-experiment/wording.js';

describe('distinct2AtSize', () => {
  it('measures samples of the given size: one caption repeated has 1/(2k) distinct bigrams at k rows', () => {
    const rows = Array.from({ length: 100 }, () => 'a red square');
    expect(diversity(rows).distinct2).toBeCloseTo(2 / 200, 12);
    expect(distinct2AtSize(rows, 10)).toBeCloseTo(2 / 20, 12);
  });

  it('is the whole set’s distinct-2 at or above its size, NaN for nothing, and the same for the same seed', () => {
    const rows = ['a red square', 'a blue circle moves', 'so a red square', 'um a green triangle'];
    expect(distinct2AtSize(rows, 4)).toBe(diversity(rows).distinct2);
    expect(distinct2AtSize(rows, 9)).toBe(diversity(rows).distinct2);
    expect(distinct2AtSize([], 3)).toBeNaN();
    expect(distinct2AtSize(rows, 2, 20, 7)).toBe(distinct2AtSize(rows, 2, 20, 7));
  });
});

describe('wordingCheck', () => {
  it('puts the kept rows beside the clean transcripts, and at their size', () => {
    const kept = Array.from({ length: 40 }, (_, i) => (i % 2 ? 'a red square moves left' : 'a blue circle grows'));
    const clean = ['so a red square going left', 'um look at a blue circle getting bigger'];
    const w = wordingCheck({ kept, clean });
    expect(w).toMatchObject({ keptRows: 40, cleanRows: 2, cleanDistinct2: diversity(clean).distinct2 });
    expect(w.keptDistinct2AtCleanSize).toBeGreaterThan(w.keptDistinct2);
    expect(formatWordingCheck(w)).toMatch(/40 kept rows .* 2 clean transcripts .* at 2 rows/);
    expect(w.perfectDistinct2).toBeNaN();
    expect(formatWordingCheck(w)).not.toContain('perfect');
    // without the rows' groups, nothing on where the bigrams come from
    expect(w.bigramSources).toEqual([]);
    expect(formatWordingCheck(w)).not.toContain('come from');
  });

  it("says where the kept rows' bigrams come from when their groups are known", () => {
    const kept = ['so a red square going left', 'a red square moves left'];
    const clean = ['so a red square going left'];
    const w = wordingCheck({ kept, keptGroups: ['asr, clean transcript', 'synthetic, noisy transcript'], clean });
    expect(w.bigramSources).toEqual([
      { group: 'asr, clean transcript', rows: 1, bigrams: 5, newTypes: 0 },
      { group: 'synthetic, noisy transcript', rows: 1, bigrams: 4, newTypes: 2 },
    ]);
    expect(formatWordingCheck(w)).toContain(
      'come from (rows · bigrams · types no clean transcript has): asr, clean transcript 1 · 5 · 0; synthetic, noisy transcript 1 · 4 · 2',
    );
  });

  it('puts a perfect export beside them: its pooled distinct-2 as a share of the clean transcripts’', () => {
    const clean = ['so a red square going left', 'um look at a blue circle getting bigger'];
    const perfect = [...clean, ...clean, 'so a red square going left'];
    const w = wordingCheck({ kept: clean, clean, perfect });
    expect(w.perfectRows).toBe(5);
    expect(w.perfectDistinct2).toBeCloseTo(diversity(perfect).distinct2, 12);
    const share = (w.perfectDistinct2 / w.cleanDistinct2).toFixed(2);
    expect(formatWordingCheck(w)).toContain(`perfect export of the 5 train clips`);
    expect(formatWordingCheck(w)).toContain(`(${share} of the clean transcripts')`);
    expect(Number(share)).toBeLessThan(1);
    expect(w.cleanClipsKept).toBe(0);
    expect(formatWordingCheck(w)).not.toContain('whose transcript is clean');
  });

  it('compares the kept captions of the clean clips with their own transcripts', () => {
    const transcripts = ['so a red square going left', 'um look at a blue circle getting bigger'];
    const keptOnClean = ['so a red square going left', 'a blue circle grows'];
    const w = wordingCheck({ kept: keptOnClean, clean: transcripts, onCleanClips: { kept: keptOnClean, transcripts } });
    expect(w.cleanClipsReplaced).toEqual({});
    expect(w.cleanClipsKept).toBe(2);
    expect(w.cleanClipsVerbatim).toBe(1);
    expect(w.cleanClipsRatio).toBeCloseTo(diversity(keptOnClean).distinct2 / diversity(transcripts).distinct2, 12);
    expect(formatWordingCheck(w)).toContain(
      `on the 2 kept clips whose transcript is clean, the kept captions' distinct-2 is ${w.cleanClipsRatio.toFixed(2)} of their transcripts' (1 kept word for word)`,
    );
    // with the kept captions' sources, the ones not kept word for word are counted by source, right or not
    const three = {
      kept: [...keptOnClean, 'a red square', 'a blue circle getting bigger kids video'],
      transcripts: [...transcripts, 'so a red square going left', 'um a blue circle getting bigger'],
      sources: ['asr', 'synthetic', 'title', 'title'],
      right: [true, true, false, true],
    };
    const s = wordingCheck({ kept: three.kept, clean: three.transcripts, onCleanClips: three });
    expect(s.cleanClipsReplaced).toEqual({ title: { n: 2, right: 1 }, synthetic: { n: 1, right: 1 } });
    expect(formatWordingCheck(s)).toContain(
      '(1 kept word for word; the others by kept source, n (right): title 2 (1), synthetic 1 (1))',
    );
  });
});
