import { Field, Float32, Int32, List, Schema, Utf8 } from 'apache-arrow';

/** A caption written for a clip in one round, by a model version (or taken from the clip's text in round 0). */
export interface CaptionRow {
  clip_id: string;
  round: number;
  model_version: string;
  /** Where the caption came from: `asr` (cleaned input text), `synthetic` (model output) or `human`. */
  caption_source: string;
  caption: string;
  token_ids: number[];
  token_logprobs: number[];
}

/** Arrow schema of the `captions` table. */
export const captionsSchema = new Schema([
  new Field('clip_id', new Utf8(), false),
  new Field('round', new Int32(), false),
  new Field('model_version', new Utf8(), false),
  new Field('caption_source', new Utf8(), false),
  new Field('caption', new Utf8(), false),
  new Field('token_ids', new List(new Field('item', new Int32(), false)), false),
  new Field('token_logprobs', new List(new Field('item', new Float32(), false)), false),
]);
