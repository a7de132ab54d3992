/**
 * How the adatailr stage decides which rows to keep from their AdaTaiLr weights. Policies are data
 * (validated by zod) so a config can name one, and each decision carries a readable reason.
 */
import type { FilterPolicy } from '../../config/filter-policy.js';

/** One row's keep decision. */
export interface KeepDecision {
  readonly keep: boolean;
  readonly reason: string;
}

/** What a policy may need besides the weights. */
export interface KeepContext {
  /** Estimated fraction of noisy rows among those scored (needed by `estimated-noise`). */
  readonly noiseEstimate?: number;
  /**
   * Each row's mean token NLL, aligned with the weights: ranking policies break ties in weight by it
   * (lower NLL first). Weights tie when γ = 0 (every weight is 1); without NLLs, row order decides.
   */
  readonly nll?: readonly number[];
}

/** Keeps the `keepCount(n)` of the n scored rows with the highest weight (ties: lower NLL); `label` names the rule in reasons. */
function keepTop(
  meanWeights: readonly number[],
  keepCount: (n: number) => number,
  label: string,
  nll: readonly number[] | undefined,
): KeepDecision[] {
  if (nll && nll.length !== meanWeights.length)
    throw new RangeError(`keep policy: ${nll.length} NLLs for ${meanWeights.length} weights`);
  const tie = (i: number): number => (nll && Number.isFinite(nll[i]) ? nll[i] : Number.POSITIVE_INFINITY);
  const scored = meanWeights.map((w, i) => ({ w, i })).filter((x) => !Number.isNaN(x.w));
  const keepN = keepCount(scored.length);
  scored.sort((a, b) => b.w - a.w || tie(a.i) - tie(b.i) || a.i - b.i);
  const kept = new Set(scored.slice(0, keepN).map((x) => x.i));
  return meanWeights.map((w, i) =>
    Number.isNaN(w)
      ? { keep: false, reason: 'empty caption' }
      : {
          keep: kept.has(i),
          reason: `${label}: ${kept.has(i) ? 'in' : 'out of'} the top ${keepN} of ${scored.length}`,
        },
  );
}

/** Keep decisions for rows with these mean token weights (NaN = nothing to score: dropped). */
export function decideKeep(
  policy: FilterPolicy,
  meanWeights: readonly number[],
  context: KeepContext = {},
): KeepDecision[] {
  switch (policy.kind) {
    case 'keep-all':
      return meanWeights.map((w) =>
        Number.isNaN(w) ? { keep: false, reason: 'empty caption' } : { keep: true, reason: 'keep-all' },
      );
    case 'threshold':
      return meanWeights.map((w) =>
        Number.isNaN(w)
          ? { keep: false, reason: 'empty caption' }
          : {
              keep: w >= policy.min_weight,
              reason: `threshold: weight ${w.toFixed(3)} ${w >= policy.min_weight ? '>=' : '<'} ${policy.min_weight}`,
            },
      );
    case 'top-fraction':
      return keepTop(
        meanWeights,
        (n) => Math.ceil(policy.fraction * n),
        `top-fraction ${policy.fraction}`,
        context.nll,
      );
    case 'estimated-noise': {
      const rho = context.noiseEstimate;
      if (rho === undefined || !(rho >= 0 && rho <= 1))
        throw new RangeError(`estimated-noise policy needs a noise estimate in [0, 1], got ${rho}`);
      const drop = Math.min(rho, policy.max_drop);
      // drop ⌊ρ̂·n⌋ rows (the 1e-9 absorbs rounding in ρ̂ = k/n)
      return keepTop(
        meanWeights,
        (n) => n - Math.floor(drop * n + 1e-9),
        `estimated-noise ρ̂=${rho.toFixed(3)}`,
        context.nll,
      );
    }
  }
}
