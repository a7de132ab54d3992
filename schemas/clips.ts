import { Field, Float64, List, Schema, Utf8 } from 'apache-arrow';

/** One input clip: a time range of a video plus its noisy web text. The manifest every job starts from. */
export interface ClipRow {
  clip_id: string;
  video_uri: string;
  start_s: number;
  end_s: number;
  asr_text: string;
  title: string | null;
  tags: string[] | null;
  /** A human-refined caption; present only on the small human refinement subset. */
  human_caption: string | null;
  /** Which split the clip belongs to (`train`, `human`, `heldout`); null means `train`. */
  split: string | null;
}

/** Arrow schema of the `clips` table (the manifest). */
export const clipsSchema = new Schema([
  new Field('clip_id', new Utf8(), false),
  new Field('video_uri', new Utf8(), false),
  new Field('start_s', new Float64(), false),
  new Field('end_s', new Float64(), false),
  new Field('asr_text', new Utf8(), false),
  new Field('title', new Utf8(), true),
  new Field('tags', new List(new Field('item', new Utf8(), true)), true),
  new Field('human_caption', new Utf8(), true),
  new Field('split', new Utf8(), true),
]);
