import { col, type Row, table } from './table.js';

/** The `scores` table: the adatailr stage's verdict on one clip in one round (which candidate it chose, how sure, and its weight). */
export const scoresTable = table({
  clip_id: col.utf8(),
  round: col.int32(),
  /** The chosen caption ('' when the clip had no candidate). */
  caption: col.utf8(),
  /** Source of the chosen caption (see `CANDIDATE_SOURCES`), '' when none. */
  caption_source: col.utf8(),
  /** Every candidate's source and score (total evidence the frames give its tokens, in nats), aligned. */
  candidate_sources: col.list(col.utf8()),
  candidate_scores: col.list(col.float64()),
  /** Every candidate's AdaTaiLr weight under the round's captioner, aligned, when the choice weighs them (`weight_bonus`); else empty. */
  candidate_weights: col.list(col.float64()),
  /** Chosen rank (evidence, plus the weight bonus when set) minus the best other candidate's (0 with one candidate); negative when the rule preferred people's text or a passed-over model caption scored higher. */
  margin: col.float64(),
  /** Source of the runner-up ('' when there was none). */
  runner_up: col.utf8(),
  /** The row weight for trainers: mean TaiLr token weight of the chosen caption, times keep. */
  adatailr_weight: col.float64(),
  mean_token_weight: col.float64(),
  /** Mean negative log-likelihood per token of the chosen caption under the scoring model (frames only). */
  nll: col.float64(),
  token_weights: col.list(col.float32()),
  /** The γ the weights were computed with (fixed, or the adaptive rule's value for this row's batch). */
  gamma: col.float64(),
  /** The AdaTaiLr noise estimate ρ̂ of the chosen captions of this row's batch. */
  rho: col.float64(),
  keep: col.bool(),
  /** Why this candidate was chosen, and why the row was kept or dropped. */
  reason: col.utf8(),
});

/** A row of {@link scoresTable}. */
export type ScoreRow = Row<typeof scoresTable>;

/** Arrow schema of the `scores` table. */
export const scoresSchema = scoresTable.schema;
