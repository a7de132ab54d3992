import { Bool, Field, Float32, Float64, Int32, List, Schema, Utf8 } from 'apache-arrow';

/** The adatailr stage's verdict on one clip in one round: which candidate it chose, how sure, and its weight. */
export interface ScoreRow {
  clip_id: string;
  round: number;
  /** The chosen caption ('' when the clip had no candidate). */
  caption: string;
  /** Source of the chosen caption (see `CANDIDATE_SOURCES`), '' when none. */
  caption_source: string;
  /** Every candidate's source and score (total evidence the frames give its tokens, in nats), aligned. */
  candidate_sources: string[];
  candidate_scores: number[];
  /** Chosen evidence minus the best other candidate's (0 with one candidate); negative when the rule preferred people's text or a passed-over model caption scored higher. */
  margin: number;
  /** Source of the runner-up ('' when there was none). */
  runner_up: string;
  /** The row weight for trainers: mean TaiLr token weight of the chosen caption, times keep. */
  adatailr_weight: number;
  mean_token_weight: number;
  /** Mean negative log-likelihood per token of the chosen caption under the scoring model (frames only). */
  nll: number;
  token_weights: number[];
  /** The γ the weights were computed with (fixed, or the adaptive rule's value for this row's batch). */
  gamma: number;
  /** The AdaTaiLr noise estimate ρ̂ of the chosen captions of this row's batch. */
  rho: number;
  keep: boolean;
  /** Why this candidate was chosen, and why the row was kept or dropped. */
  reason: string;
}

/** Arrow schema of the `scores` table. */
export const scoresSchema = new Schema([
  new Field('clip_id', new Utf8(), false),
  new Field('round', new Int32(), false),
  new Field('caption', new Utf8(), false),
  new Field('caption_source', new Utf8(), false),
  new Field('candidate_sources', new List(new Field('item', new Utf8(), false)), false),
  new Field('candidate_scores', new List(new Field('item', new Float64(), false)), false),
  new Field('margin', new Float64(), false),
  new Field('runner_up', new Utf8(), false),
  new Field('adatailr_weight', new Float64(), false),
  new Field('mean_token_weight', new Float64(), false),
  new Field('nll', new Float64(), false),
  new Field('token_weights', new List(new Field('item', new Float32(), false)), false),
  new Field('gamma', new Float64(), false),
  new Field('rho', new Float64(), false),
  new Field('keep', new Bool(), false),
  new Field('reason', new Utf8(), false),
]);
