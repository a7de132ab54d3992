import { Bool, Field, Float32, Float64, Int32, List, Schema, Utf8 } from 'apache-arrow';

/** AdaTaiLr's verdict on one clip's caption in one round. */
export interface ScoreRow {
  clip_id: string;
  round: number;
  /** The row weight an external trainer can use (mean of the clamped token weights, times keep). */
  adatailr_weight: number;
  mean_token_weight: number;
  /** Mean negative log-likelihood per token under the scoring model. */
  nll: number;
  token_weights: number[];
  /** The γ the weights were computed with (fixed, or the adaptive rule's value for this row's shard). */
  gamma: number;
  keep: boolean;
  /** Why the row was kept or dropped (policy name and threshold). */
  reason: string;
}

/** Arrow schema of the `scores` table. */
export const scoresSchema = new Schema([
  new Field('clip_id', new Utf8(), false),
  new Field('round', new Int32(), false),
  new Field('adatailr_weight', new Float64(), false),
  new Field('mean_token_weight', new Float64(), false),
  new Field('nll', new Float64(), false),
  new Field('token_weights', new List(new Field('item', new Float32(), false)), false),
  new Field('gamma', new Float64(), false),
  new Field('keep', new Bool(), false),
  new Field('reason', new Utf8(), false),
]);
