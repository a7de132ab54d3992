/**
 * What choice-replay reads of a stored round: each clip's candidate weights, or none for a job
 * stored before the scores table had them (such a job replays every rule but a weight bonus). The
 * replay itself runs on a real job in `test/jobs/refine/refine.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { storedWeights } from '../../../research/refine-experiment/choice-replay.js';
import type { ScoreRow } from '../../../schemas/scores.js';

const row = (extra: Partial<ScoreRow>): ScoreRow =>
  ({
    clip_id: 'c1',
    round: 2,
    caption: 'a red square',
    caption_source: 'asr',
    candidate_sources: ['asr', 'synthetic'],
    candidate_scores: [3, 9],
    ...extra,
  }) as ScoreRow;

describe('storedWeights', () => {
  it("is the row's candidate weights, copied", () => {
    const stored = [0.5, 0.9];
    const w = storedWeights(row({ candidate_weights: stored }));
    expect(w).toEqual([0.5, 0.9]);
    w[0] = 1;
    expect(stored[0]).toBe(0.5);
  });

  it('is empty for a row stored without weights, and for a job stored before the column existed', () => {
    expect(storedWeights(row({ candidate_weights: [] }))).toEqual([]);
    expect(storedWeights(row({}))).toEqual([]);
  });
});
