/** Scores-table rows for fixtures: a clip's verdict with neutral defaults, overridden per test. */
import type { ScoreRow } from '../../schemas/scores.js';

/** A scores row for `clip_id`: round 0, no caption or candidates, weight 1, kept; `fields` override any column. */
export function scoreRow(clip_id: string, fields: Partial<ScoreRow> = {}): ScoreRow {
  return {
    clip_id,
    round: 0,
    caption: '',
    caption_source: '',
    candidate_sources: [],
    candidate_scores: [],
    candidate_weights: [],
    margin: 0,
    runner_up: '',
    adatailr_weight: 1,
    mean_token_weight: 1,
    nll: 0,
    token_weights: [],
    gamma: 0,
    rho: 0,
    keep: true,
    reason: '',
    ...fields,
  };
}
