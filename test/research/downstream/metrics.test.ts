/** Retrieval ranks, chance, and the QA questions and their tie-aware credit, on hand-made inputs. */
import { describe, expect, it } from 'vitest';
import { narrateInStyle } from '../../../research/benchmark/asr.js';
import { contentCorrect } from '../../../research/benchmark/content.js';
import { renderCaption, type CaptionAttrs } from '../../../research/benchmark/grammar.js';
import { qaChance, qaCredit, qaQuestions } from '../../../research/downstream/qa.js';
import { chanceScores, retrievalScores, similarity } from '../../../research/downstream/retrieval.js';
import { heldoutTexts } from '../../../research/downstream/query-wording.js';
import { scoredWordings } from '../../../research/downstream/wordings.js';
import { chanceVector, meanVector, summarize } from '../../../research/downstream/summary.js';
import type { DownstreamRun, MetricVector } from '../../../research/downstream/types.js';

describe('retrieval metrics', () => {
  it('ranks the true item per query in both directions', () => {
    // video i · text j; text 0 finds video 0 first, text 1 finds video 1 third, text 2 finds video 2 second
    const sim = Float64Array.from([0.9, 0.8, 0.1, 0.2, 0.3, 0.5, 0.1, 0.9, 0.4]);
    const r = retrievalScores(sim, 3);
    // t2v ranks: text0 → col 0 [0.9, 0.2, 0.1] rank 1; text1 → col 1 [0.8, 0.3, 0.9] rank 3; text2 → col 2 [0.1, 0.5, 0.4] rank 2
    expect(r.t2v).toEqual({ r1: 100 / 3, r5: 100, r10: 100, mdr: 2 });
    // v2t ranks: video0 row [0.9, 0.8, 0.1] rank 1; video1 row [0.2, 0.3, 0.5] rank 2; video2 row [0.1, 0.9, 0.4] rank 2
    expect(r.v2t.r1).toBeCloseTo(100 / 3);
    expect(r.v2t.mdr).toBe(2);
  });

  it('ties share the mid-rank, so a collapsed model gets the chance median rank, not R@1 = 100', () => {
    const n = 20;
    const r = retrievalScores(new Float64Array(n * n).fill(0.5), n);
    expect(r.t2v.mdr).toBe((n + 1) / 2);
    expect(r.t2v.r1).toBe(0);
    expect(chanceScores(n)).toEqual({ r1: 5, r5: 25, r10: 50, mdr: 10.5 });
  });

  it('similarity is the dot product of rows', () => {
    expect(Array.from(similarity(Float32Array.from([1, 0, 0, 1]), Float32Array.from([1, 0, 0.6, 0.8]), 2))).toEqual([
      1, 0.6000000238418579, 0, 0.800000011920929,
    ]);
  });
});

describe('QA probe', () => {
  const attrs: CaptionAttrs = {
    objects: [
      { colour: 'red', shape: 'square', size: 'small', motion: 'left' },
      { colour: 'blue', shape: 'circle', size: 'large', motion: 'up' },
    ],
    background: 'black',
  };

  it('asks about colour, shape, motion and background; options differ only in the asked word; the answer is the truth caption', () => {
    const qs = qaQuestions('c1', attrs);
    expect(qs.map((q) => q.kind)).toEqual(['colour', 'shape', 'motion', 'background']);
    expect(qs[0].question).toBe('what colour is the square?');
    for (const q of qs) {
      expect(q.options[q.answer]).toBe(renderCaption(attrs));
      expect(new Set(q.options).size).toBe(q.options.length);
    }
    expect(qs[0].options).toContain(
      'a small green square moves left while a large blue circle moves up on a black background',
    );
    expect(qs[2].labels).toHaveLength(8);
    expect(qaQuestions('c2', { objects: [], background: 'gray' })).toEqual([]);
  });

  it("in the people's words: the same questions, each option the narration of its own scene in one style", () => {
    const render = (a: CaptionAttrs): string => narrateInStyle(a, 4);
    const canonical = qaQuestions('c1', attrs);
    const narrated = qaQuestions('c1', attrs, render);
    expect(narrated.map((q) => [q.kind, q.labels, q.answer])).toEqual(
      canonical.map((q) => [q.kind, q.labels, q.answer]),
    );
    for (const [k, q] of narrated.entries()) {
      expect(q.options[q.answer]).toBe(render(attrs));
      expect(new Set(q.options).size).toBe(q.options.length);
      // option i states what canonical option i states
      q.options.forEach((text, i) => expect(text).not.toBe(canonical[k].options[i]));
    }
    expect(narrated[0].options[1]).toBe(
      render({ ...attrs, objects: [{ ...attrs.objects[0], colour: 'green' }, attrs.objects[1]] }),
    );
  });

  it('the held-out side in each wording: truth captions, or one narration style per clip', () => {
    const held = [
      { clip_id: 'a', truthCaption: renderCaption(attrs), attrs },
      {
        clip_id: 'b',
        truthCaption: renderCaption({ ...attrs, background: 'gray' }),
        attrs: { ...attrs, background: 'gray' as const },
      },
    ];
    expect(scoredWordings('both')).toEqual(['canonical', 'narrated']);
    expect(scoredWordings('narrated')).toEqual(['narrated']);
    const c = heldoutTexts(held, 'canonical');
    expect(c.queries.map((q) => q.text)).toEqual(held.map((h) => h.truthCaption));
    expect(c.questions).toHaveLength(8);
    const n = heldoutTexts(held, 'narrated');
    n.queries.forEach((q, i) => {
      expect(q.text).not.toBe(held[i].truthCaption);
      expect(contentCorrect(q.text, held[i].attrs), q.text).toBe(true);
    });
    expect(n.questions.map((q) => q.options[q.answer])).toEqual(
      n.questions.map((q) => n.queries.find((x) => x.clipId === q.clipId)!.text),
    );
  });

  it('credits ties at the top 1/k and chance is 1/#options', () => {
    expect(qaCredit([0.1, 0.9, 0.2], 1)).toBe(1);
    expect(qaCredit([0.1, 0.9, 0.2], 2)).toBe(0);
    expect(qaCredit([0.5, 0.5, 0.5, 0.5], 0)).toBe(0.25);
    expect(qaChance('colour')).toBe(20);
    expect(chanceVector(10, ['colour', 'shape', 'motion', 'background']).qa_all).toBeCloseTo(
      (20 + 100 / 3 + 12.5 + 100 / 3) / 4,
    );
  });
});

describe('summary', () => {
  it('averages over seeds and measures the share of the baseline → upper-bound gap', () => {
    const vec = (x: number): MetricVector =>
      Object.fromEntries(Object.keys(chanceVector(20, [])).map((k) => [k, x])) as unknown as MetricVector;
    const run = (dataset: string, seed: number, x: number): DownstreamRun => ({
      dataset,
      seed,
      metrics: vec(x),
      lossCurve: [],
      finalLogitScale: 1,
      seconds: 0,
    });
    const ds = (name: string) => ({ name, rows: [{ clip_id: 'a', caption: 'x', weight: 1 }] });
    const s = summarize(
      [ds('raw'), ds('r'), ds('ub')],
      [run('raw', 1, 10), run('raw', 2, 20), run('r', 1, 30), run('r', 2, 30), run('ub', 1, 55), run('ub', 2, 55)],
      'raw',
      'ub',
    );
    expect(s[0].mean.t2v_r1).toBe(15);
    expect(s[0].sd.t2v_r1).toBeCloseTo(Math.SQRT2 * 5);
    expect(s[1].gapClosed).toEqual({ mean_r: 0.375, qa_all: 0.375 });
    expect(summarize([ds('r')], [run('r', 1, 3)], null, null)[0].gapClosed).toEqual({ mean_r: null, qa_all: null });
    expect(s[0].byWording).toBeUndefined();
  });

  it("with both query wordings: the mean of the two per run, and each wording's mean over seeds", () => {
    const vec = (x: number): MetricVector =>
      Object.fromEntries(Object.keys(chanceVector(20, [])).map((k) => [k, x])) as unknown as MetricVector;
    expect(meanVector([vec(10), vec(30)])).toEqual(vec(20));
    expect(() => meanVector([])).toThrow(/no vectors/);
    const run = (seed: number, c: number, n: number): DownstreamRun => ({
      dataset: 'r',
      seed,
      metrics: meanVector([vec(c), vec(n)]),
      byWording: { canonical: vec(c), narrated: vec(n) },
      lossCurve: [],
      finalLogitScale: 1,
      seconds: 0,
    });
    const [r] = summarize([{ name: 'r', rows: [] }], [run(1, 80, 40), run(2, 90, 60)], null, null);
    expect(r.mean.t2v_r1).toBe(67.5);
    expect(r.byWording?.canonical.t2v_r1).toBe(85);
    expect(r.byWording?.narrated.qa_all).toBe(50);
  });
});
