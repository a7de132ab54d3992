/**
 * One call that scores captions on the generated benchmark against its truth sidecar:
 * CIDEr-D, BLEU-4 and attribute accuracy over the truth rows that have a candidate
 * (e.g. the held-out split). Pure: the caller reads the sidecar (`readTruth`).
 */
import { truthAttrs, type TruthRow } from '../datagen/truth.js';
import { attributeAccuracy, type AttributeAccuracy } from './attributes.js';
import { bleu } from './bleu.js';
import { ciderD } from './cider.js';

/** Quality of a set of captions against the benchmark's ground truth. */
export interface BenchmarkQuality {
  /** Number of clips scored. */
  n: number;
  ciderD: number;
  bleu4: number;
  /** BLEU-1..4. */
  bleu: number[];
  attributes: AttributeAccuracy;
}

/**
 * Scores `candidates` (clip_id → caption) against the truth rows selected by `split`
 * (default: all rows). Throws when a selected row has no candidate, so a missing caption
 * is never silently skipped.
 */
export function scoreAgainstTruth(
  candidates: ReadonlyMap<string, string>,
  truth: readonly TruthRow[],
  split?: TruthRow['split'],
): BenchmarkQuality {
  const rows = truth.filter((r) => split === undefined || r.split === split);
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
    attributes: attributeAccuracy(cands, rows.map(truthAttrs)),
  };
}
