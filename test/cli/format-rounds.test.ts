/**
 * The terminal's round table: the dataset beside raw, then the model's own figures labelled as the
 * model's, with the last model's captions from the frames alone, on its train clips and held-out,
 * when the round recorded them.
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
  it("prints the last model's content from the frames alone on its train clips, beside their rows' and on held-out clips", () => {
    const text = formatRounds([
      record({ modelFit: { heldout: 0.407, train: 0.77, heldoutClips: 150, trainClips: 90 } }),
    ]);
    expect(text).toContain(
      'last model from the frames alone: content 0.770 on 90 train clips it trained on (their rows: 0.851), 0.407 on 150 held-out clips',
    );
    expect(text).toMatch(/^round 0 +90 +0\.851 /m);
  });

  it('prints the downstream probe per dataset, raw first and the upper bound last, only when the job ran it', () => {
    const scores = (name: string, r1: number) => ({
      name,
      mean: { t2v_r1: r1, mean_r: r1 + 10, qa_all: r1 / 2 },
      sd: { t2v_r1: 1, mean_r: 1, qa_all: 1 },
    });
    const settings = { seeds: [1, 2, 3], steps: 300, batch: 32 };
    const text = formatRounds([
      record({
        downstream: {
          settings,
          heldoutClips: 150,
          datasets: [scores('raw', 50), scores('round-0', 80), scores('upper-bound', 85)],
        },
      }),
      record({ round: 1, downstream: { settings, heldoutClips: 150, datasets: [scores('round-1', 82.25)] } }),
    ]);
    expect(text).toContain(
      'downstream probe on 150 held-out clips (3 seeds; T→V R@1 / mean R / QA %): raw 50.0 / 60.0 / 25.0 · round 0 80.0 / 90.0 / 40.0 · round 1 82.3 / 92.3 / 41.1 · upper bound 85.0 / 95.0 / 42.5',
    );
    expect(formatRounds([record()])).not.toContain('downstream');
  });

  it("prints the rounds' choice for the held-out clips: content beside the train rows' with truth, CIDEr-D against human captions without", () => {
    const q = (ciderD: number) => ({ n: 150, ciderD, bleu4: 0.3, bleu: [0.9, 0.6, 0.4, 0.3] });
    const check = (kept: number, chosen: number) => ({
      clips: 150,
      kept,
      chosen: q(2),
      rawAsr: q(1),
      content: { chosen, rawAsr: 0.647 },
    });
    const withTruth = formatRounds([
      record({ heldoutRows: check(150, 0.913) }),
      record({ round: 1, heldoutRows: check(149, 0.953), dataset: { ...trinity(90, 0.923), bySource: {} } }),
    ]);
    expect(withTruth).toContain(
      "held-out rows: the round's choice for 150 held-out clips no round trained on (kept 149–150)," +
        ' content raw ASR 0.647 → round 0 0.913 → round 1 0.953 (the train rows: 0.851 → 0.923)',
    );
    const human = (kept: number, c: number) => ({
      clips: 10,
      kept,
      chosen: { ...q(c), n: 6, against: 'human' as const },
      rawAsr: { ...q(0.5), n: 6, against: 'human' as const },
    });
    const noTruth = formatRounds([
      record({ heldoutRows: human(10, 1.2) }),
      record({ round: 1, heldoutRows: human(10, 1.4) }),
    ]);
    expect(noTruth).toContain(
      "held-out rows: the round's choice for 10 held-out clips no round trained on (kept 10)," +
        ' CIDEr-D against the human captions of 6 of them: raw ASR 0.500 → round 0 1.200 → round 1 1.400',
    );
    // a job resumed across the release: only the rounds that measured it are in the line
    expect(formatRounds([record(), record({ round: 1, heldoutRows: check(150, 0.953) })])).toContain(
      'content raw ASR 0.647 → round 1 0.953 (the train rows: 0.851)',
    );
    // nothing to say without references, or in records written before the check
    expect(formatRounds([record({ heldoutRows: { clips: 150, kept: 150 } })])).not.toContain('held-out rows');
    expect(formatRounds([record()])).not.toContain('held-out rows');
  });

  it('says nothing of the fit for a round recorded without it', () => {
    expect(formatRounds([record()])).not.toContain('train clips it trained on');
  });

  it("prints the last round's kept clean clips beside their own transcripts, nothing without truth", () => {
    const d = (distinct2: number, vocabulary: number) => ({
      distinct1: 0.1,
      distinct2,
      vocabulary,
      entropy: 4,
      tokens: 800,
    });
    const kept = { rows: 60, verbatim: 52, diversity: d(0.0512, 67), transcripts: d(0.0443, 60) };
    const text = formatRounds([record(), record({ round: 1, keptClean: kept })]);
    expect(text).toContain(
      "narration kept: on the 60 kept clips whose transcript is clean, distinct-2 0.051 against their transcripts' 0.044 (same clips), vocabulary 67 against 60; 52 kept word for word",
    );
    expect(formatRounds([record({ round: 1, keptClean: kept }), record()])).not.toContain('narration kept');
  });

  it('with truth, shows content and CIDEr-D and the model columns; without, leaves those columns out rather than dashed', () => {
    const withTruth = formatRounds([record()]);
    expect(withTruth.split('\n')[0]).toBe(
      'data       rows  content  CIDEr-D  vocab  dist-2 | dropped  reweighted  gamma    rho | model: content CIDEr-D | chosen',
    );
    expect(withTruth).toMatch(
      /^round 0 +90 +0\.851 +1\.000 +40 +0\.200 \| +10 +90 +0\.25 +0\.90 \| +0\.353 +- \| asr 90$/m,
    );
    const { quality: _q, ...bare } = trinity(90, 0);
    const noTruth = formatRounds(
      [record({ dataset: { ...bare, bySource: {} }, raw: trinity(100, 0), modelContent: undefined })].map((r) => ({
        ...r,
        raw: { quantity: r.raw.quantity, diversity: r.raw.diversity },
      })),
    );
    const [head, raw, round] = noTruth.split('\n');
    expect(head).toBe('data       rows  vocab  dist-2 | dropped  reweighted  gamma    rho | chosen');
    expect(raw).toMatch(/^raw +100 +40 +0\.200$/);
    expect(round).toMatch(/^round 0 +90 +40 +0\.200 \| +10 +90 +0\.25 +0\.90 \| asr 90$/);
  });

  it('says what the model was scored against: without truth, the human captions of held-out clips', () => {
    const q = (ciderD: number) => ({
      n: 37,
      ciderD,
      bleu4: 0.2,
      bleu: [0.5, 0.4, 0.3, 0.2],
      against: 'human' as const,
    });
    const noTruth = { ...trinity(90, 0), quality: undefined };
    const text = formatRounds([
      record({
        dataset: { ...noTruth, bySource: {} },
        raw: noTruth,
        modelContent: undefined,
        modelQuality: q(0.912),
        rawAsrQuality: q(0.3),
      }),
    ]);
    expect(text).toContain(
      "model: the round's captioner on 150 held-out clips, against the human captions of 37 of them (raw ASR text there: CIDEr-D 0.300)",
    );
    // its CIDEr-D in the model's columns; no content accuracy, which only a truth table gives
    expect(text).toMatch(/^round 0 +90 +40 .*\| +- +0\.912 \| asr 90$/m);
    expect(formatRounds([record({ rawAsrQuality: { ...q(0.3), against: undefined } })])).toContain(
      "model: the round's captioner on 150 held-out clips (raw ASR text there",
    );
  });
});
