/**
 * Captions scored against a truth table: CIDEr-D and BLEU-4 against the true captions over the
 * truth rows that have a candidate (e.g. the held-out split), and — when a content measure is
 * given — attribute accuracy. Pure: the caller reads the table (`schemas/truth.ts`).
 */
import type { TruthRow } from '../schemas/truth.js';
import { bleu } from './bleu.js';
import { ciderD } from './cider.js';
import type { AttributeAccuracy, TruthMeasure } from './truth-measure.js';

/** Quality of a set of captions against the truth. */
export interface TruthQuality {
  /** Number of clips scored. */
  n: number;
  ciderD: number;
  bleu4: number;
  /** BLEU-1..4. */
  bleu: number[];
  /** Absent without a content measure. */
  attributes?: AttributeAccuracy;
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
  const missing = rows.filter((r) => !candidates.has(r.clip_id));
  if (missing.length > 0) {
    throw new Error(
      `scoreAgainstTruth: ${missing.length} clips have no candidate caption (first: ${missing[0]?.clip_id})`,
    );
  }
  const cands = rows.map((r) => candidates.get(r.clip_id) as string);
  const refs = rows.map((r) => [r.gt_caption]);
  const b = bleu(cands, refs);
  return {
    n: rows.length,
    ciderD: ciderD(cands, refs).score,
    bleu4: b.score,
    bleu: b.bleu,
    ...(opts.measure ? { attributes: opts.measure.attributeAccuracy(cands, rows) } : {}),
  };
}
