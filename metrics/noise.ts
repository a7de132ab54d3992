/**
 * Noise detection quality: how well a filter's dropped (or down-weighted) rows match the
 * rows known to be corrupted. Precision = flagged rows that are corrupted / flagged rows;
 * recall = corrupted rows flagged / corrupted rows. A zero denominator gives 0 (as
 * scikit-learn's zero_division=0).
 */

/** Confusion counts and the derived scores. */
export interface NoiseDetectionMetrics {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Scores the set of flagged row ids against the set of truly corrupted row ids. */
export function noiseDetection(flagged: Iterable<string>, corrupted: Iterable<string>): NoiseDetectionMetrics {
  const f = new Set(flagged);
  const c = new Set(corrupted);
  let tp = 0;
  for (const id of f) if (c.has(id)) tp++;
  const fp = f.size - tp;
  const fn = c.size - tp;
  const precision = f.size === 0 ? 0 : tp / f.size;
  const recall = c.size === 0 ? 0 : tp / c.size;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { truePositives: tp, falsePositives: fp, falseNegatives: fn, precision, recall, f1 };
}
