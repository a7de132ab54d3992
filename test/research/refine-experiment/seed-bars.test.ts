/**
 * The bars seed by seed: each seed's verdict on each bar (content bars at 40 % only), a
 * figure a report lacks shown as "–" and not judged, the counts over the seeds, the pooled ratio
 * restated at equal size and on the clean clips, whether it follows the final content accuracy
 * across seeds, the other loop's ranges; and `refine-exp --from … --per-seed` printing them over several stored reports. No
 * loop is run here.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetPoint, LoopRun, RefineExperimentReport } from '../../../research/refine-experiment/experiment.js';
import { correlation, formatSeedBars } from '../../../research/refine-experiment/seed-bars.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';

const pt = (contentAccuracy: number, distinct2 = 0.1, vocabulary = 60, keptShare = 1): DatasetPoint => ({
  contentAccuracy,
  ciderD: 1,
  vocabulary,
  distinct2,
  keptShare,
});

/** A loop whose clean raw rows have distinct-2 0.1 and vocabulary 60; `d2` is its final export's distinct-2. */
const run = (noise: number, seed: number, method: string, rounds: number[], d2: number, wording = true): LoopRun => ({
  noise,
  seed,
  method,
  raw: pt(0.6),
  rawClean: pt(1),
  rounds: rounds.map((c) => pt(c, d2, 66)),
  ...(wording ? { finalWording: { distinct2AtCleanSize: 0.14, perfectDistinct2: 0.06, cleanClipsRatio: 1.1 } } : {}),
  seconds: 1,
});

/** Seed 1's final export, by where its bigrams come from (the clean transcripts and human rows count for none). */
const SOURCES = [
  { group: 'asr, clean transcript', rows: 50, bigrams: 500, newTypes: 0 },
  { group: 'asr, noisy transcript', rows: 3, bigrams: 30, newTypes: 7 },
  { group: 'title, noisy transcript', rows: 10, bigrams: 50, newTypes: 20 },
  { group: 'title, clean transcript', rows: 2, bigrams: 10, newTypes: 4 },
  { group: 'previous, noisy transcript', rows: 30, bigrams: 330, newTypes: 9 },
  { group: 'synthetic, noisy transcript', rows: 5, bigrams: 55, newTypes: 3 },
  { group: 'human, clean transcript', rows: 1, bigrams: 8, newTypes: 1 },
];

const RUNS: LoopRun[] = [
  // seed 1 meets every bar; seed 2 misses the pooled ratio (0.085 of 0.1) and the other loop; seed 3
  // has no other loop and an older report's lack of wording figures
  {
    ...run(0.4, 1, 'adatailr', [0.9, 0.95], 0.095),
    finalWording: {
      distinct2AtCleanSize: 0.14,
      perfectDistinct2: 0.06,
      cleanClipsRatio: 1.1,
      bigramSources: SOURCES,
      taglineRows: 4,
    },
  },
  run(0.4, 1, 'mle', [0.88, 0.9], 0.12),
  run(0.4, 2, 'adatailr', [0.9, 0.92], 0.085),
  run(0.4, 2, 'mle', [0.9, 0.93], 0.12),
  run(0.4, 3, 'adatailr', [0.86, 0.87], 0.1, false),
  // at 20 % only the bars without content thresholds apply: this final, 0.7, would fail them
  run(0.2, 1, 'adatailr', [0.6, 0.7], 0.1),
];

describe('formatSeedBars', () => {
  it("gives each seed's verdict on each bar and how many seeds meet each", () => {
    const text = formatSeedBars(RUNS, ['adatailr', 'mle']);
    const at40 = text.slice(text.indexOf('### 40 %'));
    expect(at40).toContain(
      '| 1 | 0.600 | 0.900 | 0.950 | 1.000 | 1.10 | 0.950 | 1.40 | 1.10 | 0.60 | yes | yes | yes | yes | yes | yes | yes |',
    );
    expect(at40).toContain(
      '| 2 | 0.600 | 0.900 | 0.920 | 1.000 | 1.10 | 0.850 | 1.40 | 1.10 | 0.60 | yes | yes | yes | yes | yes | **no** | **no** |',
    );
    expect(at40).toContain(
      '| 3 | 0.600 | 0.860 | 0.870 | 1.000 | 1.10 | 1.000 | – | – | – | yes | yes | yes | yes | yes | yes | – |',
    );
    expect(at40).toContain('- pooled distinct-2 ≥ 0.90: 2 of 3 seeds\n');
    expect(at40).toContain('- ≥ the other loop: 1 of 2 seeds\n');
    expect(at40).toContain('- every bar: 2 of 3 seeds\n');
    expect(at40).toContain(
      '- distinct-2 ≥ 0.90 restated at equal size: 2 of 2 seeds; on the clean clips: 2 of 2 seeds',
    );
    // does the pooled ratio follow correctness? here the seed that misses it is the more correct one
    expect(at40).toContain(
      '- pooled distinct-2 ratio against final content accuracy, across 3 seeds: r = -0.46; final content accuracy 0.910 on the 2 seeds meeting its bar, 0.920 on the 1 missing it',
    );
    // and the other loop's range beside it
    expect(at40).toContain(
      '- the other loop (mle), over its 2 seeds: pooled distinct-2 / clean raw 1.200–1.200, final content accuracy 0.900–0.930',
    );
    // where seed 1's bigrams come from; the seeds whose reports lack it have no line
    expect(at40).toContain(
      '| seed | pooled distinct-2 / clean raw | noisy transcripts kept | titles | model captions |',
    );
    expect(at40).toContain('| 1 | 0.950 | 3 / 7 | 12 / 24 | 35 / 12 |');
    expect(at40).not.toMatch(/^\| 2 \| 0\.850 \| /m);
    // the rows that kept a title's tagline, for the seeds whose reports count them
    expect(at40).toContain('- final export rows that carry a title\'s tagline ("| Learn Shapes"), by seed: 4 (1)\n');
    const at20 = text.slice(text.indexOf('### 20 %'), text.indexOf('### 40 %'));
    expect(at20).not.toContain('come from');
    expect(at20).not.toContain('the other loop (mle)');
    // one seed at 20 %: no correlation to speak of
    expect(at20).not.toContain('against final content accuracy');
    expect(at20).not.toContain('final ≥ 0.85');
    expect(at20).toContain('- every bar: 1 of 1 seeds');
  });

  it('correlates two series, and says so where it cannot', () => {
    expect(correlation([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1, 12);
    expect(correlation([1, 2, 3, 4], [8, 6, 4, 2])).toBeCloseTo(-1, 12);
    expect(correlation([1, 2, 3], [1, 3, 2])).toBeCloseTo(0.5, 12);
    expect(correlation([1, 2, 3], [5, 5, 5])).toBeNaN();
    expect(correlation([1, 2], [1, 2])).toBeNaN();
    expect(() => correlation([1, 2, 3], [1, 2])).toThrow(/3 values against 2/);
  });

  it('refine-exp --from prints them over every report given', async () => {
    const dir = await tempDir('flywheel-seed-bars-');
    const report = (runs: LoopRun[]): RefineExperimentReport => ({
      kind: 'flywheel-refine-experiment/1',
      settings: {
        noise: [0.4],
        seeds: [],
        clips: 10,
        rounds: 2,
        methods: [
          { name: 'adatailr', overrides: {} },
          { name: 'mle', overrides: {} },
        ],
      },
      runs,
    });
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    await writeFile(a, JSON.stringify(report(RUNS.slice(0, 2))));
    await writeFile(b, JSON.stringify(report(RUNS.slice(2, 4))));
    const r = await runCli(['refine-exp', '--from', `${a},${b}`, '--per-seed']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('### 40 % noise: adatailr, seed by seed (the other loop: mle)');
    expect(r.stdout).toContain('- pooled distinct-2 ≥ 0.90: 1 of 2 seeds\n');
    // without the flag, the tables alone
    expect((await runCli(['refine-exp', '--from', a])).stdout).not.toContain('seed by seed');
  });
});
