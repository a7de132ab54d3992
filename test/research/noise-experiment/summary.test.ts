/**
 * The experiment's bookkeeping on hand-made runs (no training): the paired comparison against the
 * best fixed γ, and merging reports of two seed ranges.
 */
import { describe, expect, it } from 'vitest';
import { type ExperimentReport, mergeReports } from '../../../research/noise-experiment/experiment.js';
import type { ExperimentRun } from '../../../research/noise-experiment/run-one.js';
import { summarize } from '../../../research/noise-experiment/summary.js';

function run(method: string, seed: number, nll: number, noise = 0.4): ExperimentRun {
  return {
    noise,
    seed,
    method,
    heldout: { nll, exactMatch: 1, cider: 1 },
    finalGamma: 0,
    finalRho: Number.NaN,
    gammaCurve: [],
    rhoCurve: [],
    lossCurve: [],
    seconds: 0,
  };
}

const FIXED = ['g25', 'g1'];

describe('summarize: AdaTaiLr against the best fixed γ', () => {
  it('picks the fixed γ with the lowest mean NLL and pairs the runs by seed', () => {
    const runs = [
      run('ada', 1, 0.1),
      run('ada', 2, 0.3),
      run('g25', 1, 0.2),
      run('g25', 2, 0.2),
      run('g1', 1, 0.9),
      run('g1', 2, 0.1),
    ];
    const { paired } = summarize(runs, 'ada', FIXED);
    expect(paired).toHaveLength(1);
    expect(paired[0].bestFixed).toBe('g25'); // mean 0.2 < g1's 0.5
    expect(paired[0].diff.mean).toBeCloseTo(0, 12); // -0.1 and +0.1
    expect(paired[0].diff.sd).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    expect(paired[0].se).toBeCloseTo(0.1, 12);
    expect(paired[0].wins).toBe(1);
  });
  it('has no comparison without fixed-γ runs', () => {
    expect(summarize([run('ada', 1, 0.1)], 'ada', FIXED).paired).toEqual([]);
  });
});

describe('mergeReports', () => {
  const settings = {
    noise: [0.4],
    seeds: 1,
    trainClips: 1,
    heldoutClips: 1,
    steps: 1,
    batchSize: 1,
    lr: 1,
    detectWith: 'ada',
    threads: 1,
    methods: [
      { name: 'ada', loss: { kind: 'adatailr' as const } },
      { name: 'g25', loss: { kind: 'tailr' as const, gamma: 0.25 } },
    ],
    model: {} as ExperimentReport['settings']['model'],
  };
  const report = (runs: ExperimentRun[], seeds: number): ExperimentReport => ({
    settings: { ...settings, seeds },
    runs,
    ...summarize(runs, 'ada', ['g25']),
    seconds: 1,
  });

  it('concatenates the runs of two seed ranges and recomputes every summary', () => {
    const a = report([run('ada', 1, 0.1), run('g25', 1, 0.2)], 1);
    const b = report([run('ada', 2, 0.3), run('g25', 2, 0.1)], 2);
    const m = mergeReports([a, b]);
    expect(m.runs).toHaveLength(4);
    expect(m.summary.find((s) => s.method === 'ada')?.nll).toMatchObject({ n: 2, mean: 0.2 });
    expect(m.paired[0]).toMatchObject({ bestFixed: 'g25', wins: 1 });
    expect(m.settings.seeds).toBe(2);
    const c = report([run('ada', 1, 0.5, 0.6), run('g25', 1, 0.4, 0.6)], 1);
    const all = mergeReports([a, b, { ...c, settings: { ...c.settings, noise: [0.6] } }]);
    expect(all.settings.noise).toEqual([0.4, 0.6]);
    expect(all.paired.map((p) => p.noise)).toEqual([0.4, 0.6]);
  });
  it('refuses reports with other settings, or the same run twice', () => {
    const a = report([run('ada', 1, 0.1)], 1);
    expect(() => mergeReports([a, { ...a, settings: { ...a.settings, steps: 2 } }])).toThrow(
      /settings other than seeds and noise levels/,
    );
    expect(() => mergeReports([a, a])).toThrow(/more than one report/);
  });
});
