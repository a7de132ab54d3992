import { Field, Int32, List, Schema, Utf8 } from 'apache-arrow';

/**
 * Where a candidate caption came from: the clip's own transcript (`asr`) or title (`title`), the
 * caption chosen for it last round (`previous`), this round's model (`synthetic`: frames + text,
 * `synthetic-frames`: frames only), or a human (`human`, the fine-tuning set: its only candidate).
 */
export const CANDIDATE_SOURCES = ['asr', 'title', 'previous', 'synthetic', 'synthetic-frames', 'human'] as const;

/** One candidate source. */
export type CandidateSource = (typeof CANDIDATE_SOURCES)[number];

/** A clip's candidate captions in one round: the caption stage's stored output. */
export interface CaptionRow {
  clip_id: string;
  round: number;
  /** The model version that wrote this round's synthetic candidates, or `text` when none did. */
  model_version: string;
  /** Each candidate's source, aligned with `candidate_captions`; empty when the clip has no text and no model ran. */
  candidate_sources: string[];
  candidate_captions: string[];
}

/** Arrow schema of the `captions` table. */
export const captionsSchema = new Schema([
  new Field('clip_id', new Utf8(), false),
  new Field('round', new Int32(), false),
  new Field('model_version', new Utf8(), false),
  new Field('candidate_sources', new List(new Field('item', new Utf8(), false)), false),
  new Field('candidate_captions', new List(new Field('item', new Utf8(), false)), false),
]);
