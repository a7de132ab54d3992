/**
 * The dataset trinity on a small hand-made set: quantity counts rows and metric tokens, diversity is
 * the corpus's, and quality (content accuracy, strict content accuracy, CIDEr-D, BLEU-4) is measured
 * only on rows the truth knows — overall and per caption source — and is absent without truth; content
 * accuracy needs the content measure as well.
 */
import { describe, expect, it } from 'vitest';
import type { CaptionAttrs } from '../../../research/benchmark/grammar.js';
import { renderCaption } from '../../../research/benchmark/grammar.js';
import { datasetReport, type DatasetRow, trinity } from '../../../jobs/refine/dataset-metrics.js';
import { bleu } from '../../../metrics/bleu.js';
import { ciderD } from '../../../metrics/cider.js';
import { diversity } from '../../../metrics/diversity.js';
import { benchmarkMeasure } from '../../../research/metrics/benchmark.js';
import type { TruthRow } from '../../../schemas/truth.js';

function truthRow(clipId: string, attrs: CaptionAttrs): TruthRow {
  return {
    clip_id: clipId,
    split: 'train',
    gt_caption: renderCaption(attrs),
    attrs_json: JSON.stringify(attrs),
    corrupted: false,
    noise_kinds: [],
    title_corrupted: false,
  };
}

const truth = new Map<string, TruthRow>(
  [
    truthRow('c1', {
      objects: [{ colour: 'red', shape: 'circle', size: 'small', motion: 'left' }],
      background: 'black',
    }),
    truthRow('c2', {
      objects: [{ colour: 'green', shape: 'square', size: 'large', motion: 'right' }],
      background: 'gray',
    }),
    truthRow('c3', {
      objects: [{ colour: 'red', shape: 'circle', size: 'small', motion: 'left' }],
      background: 'black',
    }),
    truthRow('c4', {
      objects: [{ colour: 'yellow', shape: 'triangle', size: null, motion: 'grows' }],
      background: 'black',
    }),
  ].map((t) => [t.clip_id, t]),
);

const rows: DatasetRow[] = [
  { clipId: 'c1', source: 'asr', caption: 'okay so you can see a red circle going left' }, // right (10 tokens)
  { clipId: 'c2', source: 'asr', caption: 'a blue square moves right' }, // wrong colour (5)
  { clipId: 'c3', source: 'synthetic', caption: 'a large red circle moves left on a brown background' }, // right, strict wrong (10)
  { clipId: 'c4', source: 'synthetic', caption: 'a yellow triangle grows on a black background' }, // right (8)
  { clipId: 'c5', source: 'title', caption: 'red circle going left' }, // no truth row (4)
];

/** The truth with the benchmark's content measure, as the refine entry points hand it in. */
const judge = { truth, measure: benchmarkMeasure };

describe('trinity', () => {
  it('measures quantity and diversity of every row, quality of the rows the truth knows', () => {
    const t = trinity(rows, judge);
    expect(t.quantity).toEqual({ rows: 5, tokens: 37 });
    expect(t.diversity).toEqual(diversity(rows.map((r) => r.caption)));
    const known = rows.slice(0, 4);
    const cands = known.map((r) => r.caption);
    const refs = known.map((r) => [truth.get(r.clipId)!.gt_caption]);
    expect(t.quality).toEqual({
      contentAccuracy: 0.75,
      contentStrict: 0.5,
      ciderD: ciderD(cands, refs).score,
      bleu4: bleu(cands, refs).score,
    });
  });

  it('has no quality without truth, or when the truth knows none of the rows', () => {
    expect('quality' in trinity(rows)).toBe(false);
    expect('quality' in trinity(rows.slice(4), judge)).toBe(false);
    expect(trinity([], judge)).toMatchObject({ quantity: { rows: 0, tokens: 0 } });
  });

  it('with truth but no content measure: word overlap only, no content accuracy', () => {
    const q = trinity(rows, { truth }).quality!;
    expect(q.ciderD).toBe(trinity(rows, judge).quality!.ciderD);
    expect('contentAccuracy' in q).toBe(false);
    expect('contentStrict' in q).toBe(false);
  });

  it('a canonical caption scores better on CIDEr-D than a paraphrase', () => {
    const gt = [...truth.values()].map((t) => ({ clipId: t.clip_id, source: 'gt', caption: t.gt_caption }));
    const q = trinity(gt, judge).quality!;
    expect(q.contentAccuracy).toBe(1);
    expect(q.contentStrict).toBe(1);
    expect(q.ciderD).toBeGreaterThan(trinity(rows, judge).quality!.ciderD);
  });
});

describe('datasetReport', () => {
  it('splits by caption source, each with its own trinity', () => {
    const r = datasetReport(rows, judge);
    expect(Object.keys(r.bySource)).toEqual(['asr', 'synthetic', 'title']);
    expect(r.quantity).toEqual({ rows: 5, tokens: 37 });
    expect(r.quality?.contentAccuracy).toBe(0.75);
    expect(r.bySource.asr.quantity).toEqual({ rows: 2, tokens: 15 });
    expect(r.bySource.asr.quality).toMatchObject({ contentAccuracy: 0.5, contentStrict: 0.5 });
    expect(r.bySource.synthetic.quantity).toEqual({ rows: 2, tokens: 18 });
    expect(r.bySource.synthetic.quality).toMatchObject({ contentAccuracy: 1, contentStrict: 0.5 });
    expect(r.bySource.title.quantity).toEqual({ rows: 1, tokens: 4 });
    expect(r.bySource.title.quality).toBeUndefined();
    expect(r.bySource.synthetic.diversity).toEqual(diversity(rows.slice(2, 4).map((x) => x.caption)));
  });

  it('a one-row source gets CIDEr-D 0 (no document frequencies), not NaN', () => {
    const r = datasetReport([rows[0], rows[2]], judge);
    expect(r.bySource.asr.quality!.ciderD).toBe(0);
    expect(r.bySource.asr.quality!.contentAccuracy).toBe(1);
  });

  it('without truth, no source has quality', () => {
    const r = datasetReport(rows);
    expect(r.quality).toBeUndefined();
    for (const t of Object.values(r.bySource)) expect(t.quality).toBeUndefined();
  });
});
