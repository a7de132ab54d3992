import { col, type Row, table } from '../pipeline/table.js';

/**
 * Where a candidate caption came from: the clip's own transcript (`asr`) or title (`title`), the
 * caption chosen for it last round (`previous`), this round's model (`synthetic`: frames + text,
 * `synthetic-frames`: frames only), a pretrained teacher's caption of the frames (`teacher`, round 0
 * with `model.teacher`), or a human (`human`, the fine-tuning set: its only candidate).
 */
export const CANDIDATE_SOURCES = [
  'asr',
  'title',
  'previous',
  'synthetic',
  'synthetic-frames',
  'teacher',
  'human',
] as const;

/** One candidate source. */
export type CandidateSource = (typeof CANDIDATE_SOURCES)[number];

/** The caption columns of a clip in one round (every column of `captions` but `clip_id`). */
export const captionColumns = {
  round: col.int32(),
  /** The model version that wrote this round's synthetic candidates, or `text` when none did. */
  model_version: col.utf8(),
  /** Each candidate's source, aligned with `candidate_captions`; empty when the clip has no text and no model ran. */
  candidate_sources: col.list(col.utf8()),
  candidate_captions: col.list(col.utf8()),
};

/** The `captions` table: a clip's candidate captions in one round, the caption stage's stored output. */
export const captionsTable = table({ clip_id: col.utf8(), ...captionColumns });

/** A row of {@link captionsTable}. */
export type CaptionRow = Row<typeof captionsTable>;

/** Arrow schema of the `captions` table. */
export const captionsSchema = captionsTable.schema;
