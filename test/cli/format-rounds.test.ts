/**
 * The terminal's round table: the dataset beside raw, then the model's own figures labelled as the
 * model's, with the last model's fit to the train clips it trained on when the round recorded it.
 */
import { describe, expect, it } from 'vitest';
import { formatRounds } from '../../cli/format-rounds.js';
import type { Trinity } from '../../jobs/refine/dataset-metrics.js';
import type { RoundRecord } from '../../jobs/refine/round-metrics.js';
import { roundBookkeeping } from '../helpers/round-record.js';

const trinity = (rows: number, contentAccuracy: number): Trinity => ({
  quantity: { rows, tokens: rows * 8 },
  diversity: { distinct1: 0.1, distinct2: 0.2, vocabulary: 40, entropy: 4, tokens: rows * 8 },
  quality: { contentAccuracy, contentStrict: contentAccuracy, ciderD: 1, bleu4: 0.3 },
});
const errors = { n: 150, objectCount: 0.8, objects: [{ n: 150, colour: 0.9, shape: 0.7, motion: 0.6 }] };

function record(over: Partial<RoundRecord> = {}): RoundRecord {
  return {
    ...roundBookkeeping(),
    dataset: { ...trinity(90, 0.851), bySource: {} },
    raw: trinity(100, 0.6),
    keptShare: 0.9,
    adatailr: { rows: 100, dropped: 10, reweighted: 90, meanWeight: 0.8, gamma: 0.25, rho: 0.9, chosen: { asr: 90 } },
    modelContent: { accuracy: 0.353, errors },
    evalClips: 150,
    ...over,
  };
}

describe('formatRounds', () => {
  it("prints the last model's fit to its train clips beside its rows' accuracy and its held-out score", () => {
    const text = formatRounds([record({ modelContentTrain: { accuracy: 0.456, errors: { ...errors, n: 90 } } })]);
    expect(text).toContain(
      'last model on 90 train clips it trained on: content 0.456 (their rows: 0.851; held-out: 0.353)',
    );
    expect(text).toMatch(/^round 0 +90 +0\.851 /m);
  });

  it('says nothing of the fit for a round recorded without it', () => {
    expect(formatRounds([record()])).not.toContain('train clips it trained on');
  });
});
