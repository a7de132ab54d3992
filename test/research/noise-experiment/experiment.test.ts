/**
 * Issue 5's proof on the generated task: at 40% corrupted captions, AdaTaiLr (not told the noise
 * level) beats MLE on clean held-out captions and is at least as good as the best fixed γ, averaged
 * over 3 seeds; and its noise estimate ρ tracks the true corrupted fraction.
 *
 * Tolerances (stated, not tuned per run): held-out token NLL of AdaTaiLr ≤ 0.8 × MLE's and
 * ≤ best fixed γ + 0.02 nats; greedy exact match ≥ MLE's; ρ strictly increasing over
 * 20% / 40% / 60% and within ±0.1 of the true fraction; top-fraction and estimated-noise precision and
 * recall > 0.8. Settings equal the experiment's defaults
 * (`flywheel noise-exp`), so docs/adatailr.md's table shows the same runs at 40%.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_METHODS,
  type ExperimentReport,
  runExperiment,
} from '../../../research/noise-experiment/experiment.js';
import { formatReport } from '../../../research/noise-experiment/table.js';

const FIXED = ['tailr γ=0.25', 'tailr γ=0.5', 'tailr γ=1'];
let report: ExperimentReport;

const mean = (noise: number, method: string, k: 'nll' | 'exactMatch'): number => {
  const s = report.summary.find((x) => x.noise === noise && x.method === method);
  if (!s) throw new Error(`no summary for ${method} at ${noise}`);
  expect(s[k].n).toBe(3);
  return s[k].mean;
};

describe('noise experiment (toy task, 3 seeds)', () => {
  beforeAll(async () => {
    report = await runExperiment({
      noise: [0.2, 0.4, 0.6],
      seeds: 3,
      methods: DEFAULT_METHODS.filter((m) => m.name !== 'loss-truncation'),
      // every method at 40% (3 seeds); AdaTaiLr alone, seed 1, at 20% and 60% (ρ vs the truth) — 17 runs
      only: (m, noise, seed) => noise === 0.4 || (m.name === 'adatailr' && seed === 1),
      onRun: (r) =>
        console.log(
          `${r.noise} seed ${r.seed} ${r.method}: nll ${r.heldout.nll.toFixed(3)} exact ${r.heldout.exactMatch.toFixed(2)} ρ ${r.finalRho.toFixed(3)}`,
        ),
    });
    console.log(formatReport(report));
  }, 1_800_000); // ~3 min on 2 quiet cores; the generous limit only guards a heavily shared machine

  it('at 40% noise AdaTaiLr has lower clean held-out NLL than MLE', () => {
    expect(mean(0.4, 'adatailr', 'nll')).toBeLessThan(0.8 * mean(0.4, 'mle', 'nll'));
  });

  // docs/adatailr.md has the same comparison over 20 seeds per level, paired by seed, at 0–60%.
  it('at 40% noise AdaTaiLr is at least as good as the best fixed γ (within 0.02 nats)', () => {
    const bestFixed = Math.min(...FIXED.map((m) => mean(0.4, m, 'nll')));
    expect(mean(0.4, 'adatailr', 'nll')).toBeLessThanOrEqual(bestFixed + 0.02);
  });

  it('at 40% noise AdaTaiLr captions the clean held-out clips at least as accurately as MLE', () => {
    expect(mean(0.4, 'adatailr', 'exactMatch')).toBeGreaterThanOrEqual(mean(0.4, 'mle', 'exactMatch'));
  });

  it('ρ tracks the true corrupted fraction (monotone, within ±0.1)', () => {
    const rho = [0.2, 0.4, 0.6].map((n) => {
      const r = report.rho.find((x) => x.noise === n);
      if (!r) throw new Error(`no ρ at ${n}`);
      expect(r.rho.n).toBe(n === 0.4 ? 3 : 1);
      expect(Math.abs(r.rho.mean - n)).toBeLessThanOrEqual(0.1);
      return r.rho.mean;
    });
    expect(rho[0]).toBeLessThan(rho[1]);
    expect(rho[1]).toBeLessThan(rho[2]);
  });

  it('top-fraction at 1 − noise and estimated-noise (not told the level) find most corrupted rows from the AdaTaiLr weights; keep-all flags none', () => {
    for (const name of ['top-fraction', 'estimated-noise']) {
      const d = report.detection.find((x) => x.noise === 0.4 && x.policy.startsWith(name));
      expect(d?.precision.mean, name).toBeGreaterThan(0.8);
      expect(d?.recall.mean, name).toBeGreaterThan(0.8);
    }
    const all = report.detection.find((d) => d.noise === 0.4 && d.policy === 'keep-all');
    expect(all?.flaggedFraction.mean).toBe(0);
  });
});
