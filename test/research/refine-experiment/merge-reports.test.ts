/**
 * `refine-exp --from` over several reports: a loop run alone beside the other loop run alone is
 * judged against it, noise levels and seeds are joined, and reports of another benchmark size or a
 * loop given twice are refused, naming the files.
 */
import { describe, expect, it } from 'vitest';
import type { LoopRun, RefineExperimentReport } from '../../../research/refine-experiment/experiment.js';
import { mergeReports } from '../../../research/refine-experiment/merge-reports.js';
import { formatSeedBars } from '../../../research/refine-experiment/seed-bars.js';

const pt = (contentAccuracy: number, distinct2 = 0.1) => ({
  contentAccuracy,
  ciderD: 1,
  vocabulary: 66,
  distinct2,
  keptShare: 1,
});

const run = (seed: number, method: string, final: number, noise = 0.4): LoopRun => ({
  noise,
  seed,
  method,
  raw: pt(0.6),
  rawClean: pt(1),
  rounds: [pt(0.9), pt(final)],
  seconds: 1,
});

/** A report of `--only <method>` runs. */
const report = (method: string, runs: LoopRun[], clips = 10): RefineExperimentReport => ({
  kind: 'flywheel-refine-experiment/1',
  settings: {
    noise: [...new Set(runs.map((r) => r.noise))],
    seeds: runs.map((r) => r.seed),
    clips,
    rounds: 2,
    methods: [{ name: method, overrides: {} }],
  },
  runs,
});

describe('mergeReports', () => {
  it("judges a loop run alone against the other loop's report, with every report's seeds and noise levels", () => {
    const ada = { file: 'ada.json', report: report('adatailr', [run(1, 'adatailr', 0.95), run(2, 'adatailr', 0.9)]) };
    const mle = {
      file: 'mle.json',
      report: report('mle', [run(1, 'mle', 0.92), run(2, 'mle', 0.93), run(1, 'mle', 0.8, 0.2)]),
    };
    const merged = mergeReports([ada, mle]);
    expect(merged.settings.methods.map((m) => m.name)).toEqual(['adatailr', 'mle']);
    expect(merged.settings.noise).toEqual([0.2, 0.4]);
    expect(merged.settings.seeds).toEqual([1, 2]);
    expect(merged.runs).toHaveLength(5);
    const bars = formatSeedBars(
      merged.runs,
      merged.settings.methods.map((m) => m.name),
    );
    // seed 1 beats its MLE loop, seed 2 does not
    expect(bars).toContain('- ≥ the other loop: 1 of 2 seeds\n');
  });

  it('refuses reports of another benchmark size, and a loop given twice, naming the files', () => {
    const a = { file: 'a.json', report: report('adatailr', [run(1, 'adatailr', 0.95)]) };
    const big = { file: 'big.json', report: report('mle', [run(1, 'mle', 0.9)], 20) };
    expect(() => mergeReports([a, big])).toThrow(
      'refine-exp --from: big.json ran 20 clips and 2 rounds, a.json 10 clips and 2 rounds',
    );
    const again = { file: 'again.json', report: report('adatailr', [run(1, 'adatailr', 0.9)]) };
    expect(() => mergeReports([a, again])).toThrow(
      'adatailr at 0.4 noise, seed 1 is in both a.json and again.json; give each loop once',
    );
    expect(() => mergeReports([])).toThrow('no report given');
  });
});
