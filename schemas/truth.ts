/**
 * A truth table (`truth.parquet`): what a generated dataset knows and a real one would not — each
 * clip's true caption, its attributes and whether its text was corrupted. Product code reads it
 * (`jobs/refine/truth-file.ts`) to measure only (reference captions, the report's ground truth, clean/noisy
 * splits); nothing that chooses, scores or trains may read it. The benchmark generator writes it.
 */
import { Bool, Field, List, Schema, Utf8 } from 'apache-arrow';

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
