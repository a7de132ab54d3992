/**
 * The benchmark's reading of its truth table (the table itself, its schema and reader are
 * `schemas/truth.ts`): the parsed attributes of a row and the corrupted clips' ids.
 */
import type { TruthRow } from '../../schemas/truth.js';
import type { CaptionAttrs } from './grammar.js';

/** The parsed attributes of a truth row. */
export function truthAttrs(row: TruthRow): CaptionAttrs {
  return JSON.parse(row.attrs_json) as CaptionAttrs;
}

/** Clip ids whose ASR transcript is corrupted — the positives for `noiseDetection`. */
export function corruptedIds(rows: readonly TruthRow[]): string[] {
  return rows.filter((r) => r.corrupted).map((r) => r.clip_id);
}
