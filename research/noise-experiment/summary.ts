/**
 * The noise experiment's aggregation: per-(noise, method) spreads over seeds, ρ against the
 * truth, detection per keep policy, and AdaTaiLr paired against the best fixed γ.
 */
import type { FilterPolicy } from '../../config/filter-policy.js';
import type { DetectionResult, ExperimentRun, HeldoutScores } from './run-one.js';

/** Mean and sample standard deviation over seeds. */
export interface Spread {
  readonly mean: number;
  readonly sd: number;
  readonly n: number;
}

/** Aggregated held-out quality of one method at one noise level. */
export interface MethodSummary {
  readonly noise: number;
  readonly method: string;
  readonly exactMatch: Spread;
  readonly cider: Spread;
  readonly nll: Spread;
}

/** The adaptive estimate against the truth at one noise level. */
export interface RhoSummary {
  readonly noise: number;
  readonly rho: Spread;
  readonly gamma: Spread;
}

/** Keep-policy noise detection at one noise level. */
export interface DetectionSummary {
  readonly noise: number;
  readonly policy: string;
  readonly precision: Spread;
  readonly recall: Spread;
  readonly flaggedFraction: Spread;
}

/**
 * AdaTaiLr against the best fixed γ at one noise level, paired by seed (same task, same initial
 * weights): the best fixed γ is picked with hindsight, by mean held-out NLL at that level.
 */
export interface PairedComparison {
  readonly noise: number;
  /** The fixed-γ method with the lowest mean held-out NLL at this level. */
  readonly bestFixed: string;
  /** Per-seed held-out NLL of AdaTaiLr minus that of the best fixed γ (negative: AdaTaiLr better). */
  readonly diff: Spread;
  /** Standard error of the mean difference (sd/√n). */
  readonly se: number;
  /** Seeds on which AdaTaiLr's NLL ≤ the best fixed γ's. */
  readonly wins: number;
}

/** What {@link summarize} makes of the runs: the report's aggregate tables. */
export interface ExperimentSummary {
  readonly summary: readonly MethodSummary[];
  readonly rho: readonly RhoSummary[];
  readonly detection: readonly DetectionSummary[];
  readonly paired: readonly PairedComparison[];
}

/** Mean ± sample sd of a list (sd 0 for one value). */
export function spread(xs: readonly number[]): Spread {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

/** A keep policy's name in the detection table. */
function policyName(p: FilterPolicy): string {
  if (p.kind === 'threshold') return `threshold ${p.min_weight}`;
  if (p.kind === 'top-fraction') return `top-fraction ${+p.fraction.toFixed(3)}`;
  if (p.kind === 'estimated-noise') return 'estimated-noise';
  return p.kind;
}

/** Aggregates runs into per-(noise, method) spreads, ρ vs truth, detection per policy, and `detectWith` against the best of `fixedMethods`. */
export function summarize(
  runs: readonly ExperimentRun[],
  detectWith: string,
  fixedMethods: readonly string[] = [],
): ExperimentSummary {
  const noises = [...new Set(runs.map((r) => r.noise))].sort((a, b) => a - b);
  const methods = [...new Set(runs.map((r) => r.method))];
  const summary: MethodSummary[] = [];
  const rho: RhoSummary[] = [];
  const detection: DetectionSummary[] = [];
  const paired: PairedComparison[] = [];
  const pick = (rs: readonly ExperimentRun[], k: keyof HeldoutScores): Spread => spread(rs.map((r) => r.heldout[k]));
  for (const noise of noises) {
    for (const method of methods) {
      const rs = runs.filter((r) => r.noise === noise && r.method === method);
      if (rs.length)
        summary.push({
          noise,
          method,
          exactMatch: pick(rs, 'exactMatch'),
          cider: pick(rs, 'cider'),
          nll: pick(rs, 'nll'),
        });
    }
    const ada = runs.filter((r) => r.noise === noise && r.method === detectWith);
    if (ada.length && ada.every((r) => Number.isFinite(r.finalRho)))
      rho.push({ noise, rho: spread(ada.map((r) => r.finalRho)), gamma: spread(ada.map((r) => r.finalGamma)) });
    const dets = ada.flatMap((r) => r.detection ?? []);
    for (const name of [...new Set(dets.map((d) => policyName(d.policy)))]) {
      const ds: DetectionResult[] = dets.filter((d) => policyName(d.policy) === name);
      detection.push({
        noise,
        policy: name,
        precision: spread(ds.map((d) => d.metrics.precision)),
        recall: spread(ds.map((d) => d.metrics.recall)),
        flaggedFraction: spread(ds.map((d) => d.flagged / Math.max(1, d.rows))),
      });
    }
    const comparison = pairWithBestFixed(runs, noise, detectWith, fixedMethods, summary);
    if (comparison) paired.push(comparison);
  }
  return { summary, rho, detection, paired };
}

function pairWithBestFixed(
  runs: readonly ExperimentRun[],
  noise: number,
  method: string,
  fixedMethods: readonly string[],
  summary: readonly MethodSummary[],
): PairedComparison | undefined {
  const fixed = summary.filter((s) => s.noise === noise && fixedMethods.includes(s.method));
  if (!fixed.length) return undefined;
  const best = fixed.reduce((a, b) => (b.nll.mean < a.nll.mean ? b : a));
  const nllOf = (m: string): Map<number, number> =>
    new Map(runs.filter((r) => r.noise === noise && r.method === m).map((r) => [r.seed, r.heldout.nll]));
  const ours = nllOf(method);
  const theirs = nllOf(best.method);
  const diffs = [...ours].filter(([seed]) => theirs.has(seed)).map(([seed, nll]) => nll - theirs.get(seed)!);
  if (!diffs.length) return undefined;
  const diff = spread(diffs);
  return {
    noise,
    bestFixed: best.method,
    diff,
    se: diff.sd / Math.sqrt(diff.n),
    wins: diffs.filter((d) => d <= 0).length,
  };
}
