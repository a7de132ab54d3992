/**
 * The ground-truth sidecar (`truth.parquet`): what the generator knows and a real
 * dataset would not — the true caption and attributes of every clip and whether
 * (and how) its ASR text and title were corrupted. Kept out of the manifest on purpose.
 */
import { join } from 'node:path';
import { Bool, Field, List, Schema, Utf8 } from 'apache-arrow';
import type { CaptionAttrs } from './grammar.js';
import type { NoiseKind } from './asr.js';
import { readParquetRows } from './parquet.js';

/** One clip's ground truth. */
export interface TruthRow {
  clip_id: string;
  split: 'train' | 'human' | 'heldout';
  /** The grammar caption of what is on screen. */
  gt_caption: string;
  /** `CaptionAttrs` as JSON (objects in caption order + background). */
  attrs_json: string;
  /** True when the ASR transcript was corrupted (any noise kind). */
  corrupted: boolean;
  /** The noise kinds applied to the transcript; empty when clean. */
  noise_kinds: NoiseKind[];
  /** True when the title/tags were corrupted (independent of the transcript). */
  title_corrupted: boolean;
}

/** Arrow schema of `truth.parquet`. */
export const truthSchema = new Schema([
  new Field('clip_id', new Utf8(), false),
  new Field('split', new Utf8(), false),
  new Field('gt_caption', new Utf8(), false),
  new Field('attrs_json', new Utf8(), false),
  new Field('corrupted', new Bool(), false),
  new Field('noise_kinds', new List(new Field('item', new Utf8(), true)), false),
  new Field('title_corrupted', new Bool(), false),
]);

/** File name of the truth sidecar inside a benchmark directory. */
export const TRUTH_FILE = 'truth.parquet';

/** Reads a benchmark directory's truth sidecar. */
export async function readTruth(dir: string): Promise<TruthRow[]> {
  return readParquetRows<TruthRow>(join(dir, TRUTH_FILE));
}

/** Reads the truth sidecar as a map clip_id → row, for joins. */
export async function readTruthMap(dir: string): Promise<Map<string, TruthRow>> {
  return new Map((await readTruth(dir)).map((r) => [r.clip_id, r]));
}

/** The parsed attributes of a truth row. */
export function truthAttrs(row: TruthRow): CaptionAttrs {
  return JSON.parse(row.attrs_json) as CaptionAttrs;
}

/** Clip ids whose ASR transcript is corrupted — the positives for `noiseDetection`. */
export function corruptedIds(rows: readonly TruthRow[]): string[] {
  return rows.filter((r) => r.corrupted).map((r) => r.clip_id);
}
