/**
 * A truth table (`truth.parquet`): what a generated dataset knows and a real one would not — each
 * clip's true caption, its attributes and whether its text was corrupted. Product code reads it
 * through this module to measure only (reference captions, the report's ground truth, clean/noisy
 * splits); nothing that chooses, scores or trains may read it. The benchmark generator writes it.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Bool, Field, List, Schema, Utf8 } from 'apache-arrow';
import { readParquetRows } from '../pipeline/parquet-file.js';

/** One clip's ground truth. */
export interface TruthRow {
  clip_id: string;
  split: 'train' | 'human' | 'heldout';
  /** The true caption of what is on screen. */
  gt_caption: string;
  /** The clip's true attributes as JSON; what they mean is the generator's business (read by its content measure). */
  attrs_json: string;
  /** True when the ASR transcript was corrupted (any noise kind). */
  corrupted: boolean;
  /** The noise kinds applied to the transcript; empty when clean. */
  noise_kinds: string[];
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

/** File name of the truth table inside a generated dataset's directory. */
export const TRUTH_FILE = 'truth.parquet';

/** Reads a truth table: `path` is the Parquet file or the directory holding {@link TRUTH_FILE}. */
export async function readTruth(path: string): Promise<TruthRow[]> {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, TRUTH_FILE) : path;
  if (!existsSync(file)) throw new Error(`truth ${file}: no such file`);
  const rows = await readParquetRows<TruthRow>(file);
  const first = rows[0];
  if (first && (typeof first.gt_caption !== 'string' || typeof first.attrs_json !== 'string'))
    throw new Error(`truth ${file}: not a truth table (needs clip_id, gt_caption, attrs_json)`);
  return rows;
}

/** Reads a truth table (file or directory) as a map clip_id → row, for joins. */
export async function readTruthMap(path: string): Promise<Map<string, TruthRow>> {
  return new Map((await readTruth(path)).map((r) => [r.clip_id, r]));
}
