/**
 * Captions scored against a truth table: CIDEr-D and BLEU-4 against the true captions over the
 * truth rows that have a candidate (e.g. the held-out split), and — when a content measure is
 * given — attribute accuracy. Pure: the caller reads the table (`schemas/truth.ts`).
 */
import type { TruthRow } from '../schemas/truth.js';
import { type ReferenceQuality, scoreAgainstReferences } from './reference-quality.js';
import type { AttributeAccuracy, TruthMeasure } from './truth-measure.js';

/** Quality of a set of captions against the truth, or against the held-out clips' human captions. */
export interface TruthQuality extends ReferenceQuality {
  /** Absent without a content measure. */
  attributes?: AttributeAccuracy;
  /**
   * What the captions were scored against: `human`, the held-out clips' own human captions (a job
   * without a truth table); absent, the benchmark's truth (as every record written before says).
   */
  against?: 'human';
}

/**
 * Scores `candidates` (clip_id → caption) against the truth rows selected by `split`
 * (default: all rows). Throws when a selected row has no candidate, so a missing caption
 * is never silently skipped.
 */
export function scoreAgainstTruth(
  candidates: ReadonlyMap<string, string>,
  truth: readonly TruthRow[],
  opts: { readonly split?: TruthRow['split']; readonly measure?: TruthMeasure } = {},
): TruthQuality {
  const rows = truth.filter((r) => opts.split === undefined || r.split === opts.split);
  // throws first when a row has no candidate
  const scores = scoreAgainstReferences(candidates, new Map(rows.map((r) => [r.clip_id, [r.gt_caption]])));
  const cands = rows.map((r) => candidates.get(r.clip_id) as string);
  return { ...scores, ...(opts.measure ? { attributes: opts.measure.attributeAccuracy(cands, rows) } : {}) };
}
