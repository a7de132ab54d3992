/**
 * From probe scores to the comparison's numbers: a flat metric vector per run, mean ± sd over
 * seeds per dataset, chance on the held-out set, and the share of the baseline → upper-bound gap
 * each dataset closes.
 */
import { QA_KINDS, qaChance, type QaKind } from './qa.js';
import { chanceScores } from './retrieval.js';
import type { ProbeScores } from './score-probe.js';
import {
  type DatasetSummary,
  type DownstreamDataset,
  type DownstreamRun,
  type GapClosed,
  METRICS,
  type MetricName,
  type MetricVector,
  qaMetric,
} from './types.js';

/** The flat metric vector of one run's scores. */
export function metricVector(s: ProbeScores): MetricVector {
  const recalls = [s.t2v.r1, s.t2v.r5, s.t2v.r10, s.v2t.r1, s.v2t.r5, s.v2t.r10];
  const qa = Object.fromEntries([...QA_KINDS, 'all' as const].map((k) => [qaMetric(k), s.qa[k]])) as Record<
    `qa_${QaKind | 'all'}`,
    number
  >;
  return {
    t2v_r1: s.t2v.r1,
    t2v_r5: s.t2v.r5,
    t2v_r10: s.t2v.r10,
    t2v_mdr: s.t2v.mdr,
    v2t_r1: s.v2t.r1,
    v2t_r5: s.v2t.r5,
    v2t_r10: s.v2t.r10,
    v2t_mdr: s.v2t.mdr,
    mean_r: recalls.reduce((a, b) => a + b, 0) / recalls.length,
    ...qa,
  };
}

/** Chance on N held-out clips with questions of the given kinds (QA "all" weighted by the number of questions of each kind). */
export function chanceVector(n: number, kinds: readonly QaKind[]): MetricVector {
  const c = chanceScores(n);
  const qaAll = kinds.length ? kinds.reduce((a, k) => a + qaChance(k), 0) / kinds.length : Number.NaN;
  return metricVector({
    t2v: c,
    v2t: c,
    qa: {
      colour: qaChance('colour'),
      shape: qaChance('shape'),
      motion: qaChance('motion'),
      background: qaChance('background'),
      all: qaAll,
    },
  });
}

function reduce(vs: readonly MetricVector[], f: (xs: number[]) => number): MetricVector {
  return Object.fromEntries(METRICS.map((m) => [m, f(vs.map((v) => v[m]))])) as Record<MetricName, number>;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The metric-wise mean of several vectors (one probe scored in several query wordings). */
export function meanVector(vs: readonly MetricVector[]): MetricVector {
  if (vs.length === 0) throw new Error('meanVector: no vectors');
  return reduce(vs, mean);
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export const sd = (xs: number[]): number => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

/** Share of the gap from `base` to `top` that `value` closes (0 at base, 1 at top); null when either is missing or they are equal. */
export function gapShare(value: number, base: number | undefined, top: number | undefined): number | null {
  if (base === undefined || top === undefined || !(Math.abs(top - base) > 1e-9)) return null;
  return (value - base) / (top - base);
}

/** Each wording's mean over a dataset's runs, when every run was scored in both. */
function wordingMeans(runs: readonly DownstreamRun[]): Pick<DatasetSummary, 'byWording'> {
  const first = runs[0]?.byWording;
  if (!first || runs.some((r) => !r.byWording)) return {};
  const byWording = Object.fromEntries(
    Object.keys(first).map((w) => [
      w,
      reduce(
        runs.map((r) => r.byWording![w as keyof typeof first]),
        mean,
      ),
    ]),
  ) as NonNullable<DatasetSummary['byWording']>;
  return { byWording };
}

/** Per-dataset mean ± sd over seeds, with the gap closed between `baseline` and `upperBound` (by name). */
export function summarize(
  datasets: readonly DownstreamDataset[],
  runs: readonly DownstreamRun[],
  baseline: string | null,
  upperBound: string | null,
): DatasetSummary[] {
  const means = new Map(
    datasets.map((d) => [
      d.name,
      reduce(
        runs.filter((r) => r.dataset === d.name).map((r) => r.metrics),
        mean,
      ),
    ]),
  );
  const b = baseline ? means.get(baseline) : undefined;
  const u = upperBound ? means.get(upperBound) : undefined;
  return datasets.map((d) => {
    const m = means.get(d.name)!;
    const gapClosed: GapClosed = {
      mean_r: gapShare(m.mean_r, b?.mean_r, u?.mean_r),
      qa_all: gapShare(m.qa_all, b?.qa_all, u?.qa_all),
    };
    return {
      name: d.name,
      source: d.source ?? null,
      rows: d.rows.length,
      weightSum: d.rows.reduce((a, r) => a + r.weight, 0),
      mean: m,
      sd: reduce(
        runs.filter((r) => r.dataset === d.name).map((r) => r.metrics),
        sd,
      ),
      ...wordingMeans(runs.filter((r) => r.dataset === d.name)),
      gapClosed,
    };
  });
}
