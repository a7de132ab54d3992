/**
 * The raw side of a round's dataset metrics is measured once from the manifest's id, transcript and
 * split (train clips only), and each round's record is built beside it: the kept share is a share of
 * the train clips, and the kept clips whose transcript is clean are set beside those transcripts.
 */
import { describe, expect, it } from 'vitest';
import { trinity } from '../../../jobs/refine/dataset-metrics.js';
import { RoundDataMeter } from '../../../jobs/refine/round-data-meter.js';
import { rawSide, type RawClip } from '../../../jobs/refine/raw-side.js';
import { roundDataMetrics } from '../../../jobs/refine/round-data-meter.js';
import type { TrainExample } from '../../../jobs/refine/training-set.js';
import { renderCaption, type CaptionAttrs } from '../../../research/benchmark/grammar.js';
import { benchmarkMeasure } from '../../../research/metrics/benchmark.js';
import type { TruthRow } from '../../../schemas/truth.js';

type Obj = CaptionAttrs['objects'][number];
const attrs = (colour: Obj['colour'], motion: Obj['motion']): CaptionAttrs => ({
  objects: [{ colour, shape: 'square', size: 'small', motion }],
  background: 'black',
});
const truthRow = (id: string, a: CaptionAttrs, corrupted: boolean, split: TruthRow['split'] = 'train'): TruthRow => ({
  clip_id: id,
  split,
  gt_caption: renderCaption(a),
  attrs_json: JSON.stringify(a),
  corrupted,
  noise_kinds: corrupted ? ['swap'] : [],
  title_corrupted: false,
});
const truth = new Map(
  [
    truthRow('c1', attrs('red', 'left'), false),
    truthRow('c2', attrs('blue', 'right'), true),
    truthRow('c3', attrs('green', 'up'), false),
    truthRow('h1', attrs('red', 'down'), false, 'heldout'),
  ].map((t) => [t.clip_id, t]),
);
const judge = { truth, measure: benchmarkMeasure };

const raw: RawClip[] = [
  { clipId: 'c1', asrText: 'okay so a small red square going left', split: 'train' },
  { clipId: 'c2', asrText: 'a small red square going right', split: 'train' },
  { clipId: 'c3', asrText: 'so you can see a small green square going up', split: 'train' },
  { clipId: 'h1', asrText: 'a small red square going down', split: 'heldout' },
];

const example = (clipId: string, caption: string, keep = true, captionSource = 'asr'): TrainExample => ({
  clipId,
  split: clipId.startsWith('h') ? 'heldout' : 'train',
  text: '',
  caption,
  captionSource,
  weight: 1,
  keep,
  gamma: 0.25,
  rho: 0.5,
});

describe('rawSide', () => {
  it('measures the train transcripts and, with truth, the clean ones, leaving held-out clips out', async () => {
    const side = await rawSide(raw, judge);
    expect(side.trainClips).toBe(3);
    expect(side.raw.quantity.rows).toBe(3);
    expect(side.raw.quality?.contentAccuracy).toBeCloseTo(2 / 3);
    expect(side.rawClean?.quantity.rows).toBe(2);
    expect([...(side.cleanText?.keys() ?? [])]).toEqual(['c1', 'c3']);
    expect(side.raw).toEqual(
      trinity(
        raw.slice(0, 3).map((c) => ({ clipId: c.clipId, caption: c.asrText, source: 'raw' })),
        judge,
      ),
    );
  });

  it('reads a stream of clips one at a time, to the same result as the whole list', async () => {
    let pulled = 0;
    async function* stream(): AsyncGenerator<RawClip> {
      for (const c of raw) {
        pulled++;
        yield await Promise.resolve(c);
      }
    }
    expect(await rawSide(stream(), judge)).toEqual(await rawSide(raw, judge));
    expect(pulled).toBe(raw.length);
    const side = await rawSide(stream());
    expect(side.raw.quantity).toEqual({ rows: 3, tokens: 8 + 6 + 10 });
    expect(side.raw.diversity).toEqual(
      trinity(raw.slice(0, 3).map((c) => ({ clipId: c.clipId, caption: c.asrText, source: 'raw' }))).diversity,
    );
  });

  it('has no clean side without truth', async () => {
    const side = await rawSide(raw);
    expect(side.trainClips).toBe(3);
    expect(side.rawClean).toBeUndefined();
    expect(side.cleanText).toBeUndefined();
  });
});

describe('roundDataMetrics', () => {
  it('shares the kept rows over the train clips and sets the clean clips beside their transcripts', async () => {
    const side = await rawSide(raw, judge);
    const rows = [
      example('c1', raw[0].asrText),
      example('c2', 'a small blue square moves right', true, 'synthetic'),
      example('c3', 'a small green square moves up', true, 'synthetic'),
      example('h1', 'a small red square moves down'),
    ];
    const m = roundDataMetrics(rows, side, judge);
    expect(m.keptShare).toBe(1);
    expect(m.raw).toBe(side.raw);
    expect(m.rawClean).toBe(side.rawClean);
    expect(m.keptClean).toMatchObject({ rows: 2, verbatim: 1 });
    expect(m.dataset.quality?.contentAccuracy).toBe(1);
    expect(m.adatailr).toMatchObject({ rows: 3, dropped: 0, chosen: { asr: 1, synthetic: 2 } });

    const dropped = roundDataMetrics([rows[0], { ...rows[1], keep: false }, rows[2]], side, judge);
    expect(dropped.keptShare).toBeCloseTo(2 / 3);
    expect(dropped.adatailr.dropped).toBe(1);
  });
});

describe('RoundDataMeter', () => {
  it('weighs means as the rows come: weights over kept rows, γ and ρ̂ over scored train rows, held-out rows passed over', async () => {
    const side = await rawSide(raw);
    const rows = [
      { ...example('c1', raw[0].asrText), weight: 0.5, gamma: 0.2, rho: 0.4 },
      { ...example('c2', 'a small blue square moves right', false, 'synthetic'), weight: 0, gamma: 0.4, rho: 0.6 },
      {
        ...example('c3', 'a small green square moves up', true, 'title'),
        weight: 1,
        gamma: Number.NaN,
        rho: Number.NaN,
      },
      { ...example('h1', 'a small red square moves down'), weight: 0.1, gamma: 9, rho: 9 },
    ];
    const meter = new RoundDataMeter(side);
    for (const r of rows) meter.add(r);
    const m = meter.metrics();
    expect(m.adatailr).toEqual({
      rows: 3,
      dropped: 1,
      reweighted: 1,
      meanWeight: 0.75,
      gamma: expect.closeTo(0.3, 12) as number,
      rho: expect.closeTo(0.5, 12) as number,
      chosen: { asr: 1, title: 1 },
    });
    expect(m.keptShare).toBeCloseTo(2 / 3);
    expect(m).not.toHaveProperty('keptClean'); // no truth, no clean side
    expect(m.dataset.quantity.rows).toBe(2);
    expect(m.dataset.quality).toBeUndefined();
    expect(Object.keys(m.dataset.bySource)).toEqual(['asr', 'title']);
    expect(m).toEqual(roundDataMetrics(rows, side)); // the same as measuring the rows all at once
  });
});
