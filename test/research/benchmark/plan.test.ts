import { describe, expect, it } from 'vitest';
import { makeRng } from '../../../models/rng.js';
import {
  parseBenchmarkOptions,
  planBenchmark,
  parseCaption,
  corruptAttributes,
  otherScene,
  renderCaption,
  sampleScene,
  NOISE_KINDS,
  type CaptionAttrs,
} from '../../../research/benchmark/index.js';
import { attributeAccuracy } from '../../../research/metrics/attributes.js';

const plan = (over: Record<string, unknown> = {}) =>
  planBenchmark(parseBenchmarkOptions({ outDir: '/tmp/x', clips: 2000, seed: 11, ...over }), '/tmp/x');

describe('planBenchmark (no video encoding)', () => {
  const p = plan();

  it('has exact split and corruption counts', () => {
    expect(p.counts).toMatchObject({
      clips: 2000,
      human: 60,
      heldout: 200,
      train: 1740,
      corrupted: 800,
      titleCorrupted: 400,
      videos: 125,
    });
    expect(p.clips.filter((c) => c.split === 'human')).toHaveLength(60);
    expect(p.truth.filter((t) => t.corrupted)).toHaveLength(800);
  });

  it('spreads corrupted clips over noise kinds near the configured mix', () => {
    // equal weights → each kind ≈ 1/5 of the 800 corrupted clips (± 6 points);
    // wrong_attribute is also combined with missing_words for ~25% of its clips
    for (const k of NOISE_KINDS) {
      const only = p.truth.filter((t) => t.noise_kinds[0] === k).length / 800;
      expect(only, k).toBeGreaterThan(0.14);
      expect(only, k).toBeLessThan(0.26);
    }
    const mix = plan({
      clips: 500,
      noiseMix: { wrong_attribute: 0, missing_words: 0, off_topic: 0, other_clip: 0, empty: 1 },
    });
    expect(mix.truth.filter((t) => t.corrupted).every((t) => t.noise_kinds.join() === 'empty')).toBe(true);
  });

  it('keeps the manifest free of truth: human captions only on the human split', () => {
    for (const [i, c] of p.clips.entries()) {
      const t = p.truth[i];
      expect(c.clip_id).toBe(t.clip_id);
      expect(c.split).toBe(t.split);
      if (c.split === 'human') expect(c.human_caption).toBe(t.gt_caption);
      else expect(c.human_caption).toBeNull();
      expect(c.end_s - c.start_s).toBeGreaterThanOrEqual(2);
      expect(c.end_s - c.start_s).toBeLessThanOrEqual(6);
    }
  });

  it('makes transcripts that match the truth when clean and not when corrupted', () => {
    const truths = p.truth.map((t) => JSON.parse(t.attrs_json) as CaptionAttrs);
    const acc = (pick: (i: number) => boolean): number => {
      const idx = p.clips.map((_, i) => i).filter(pick);
      return attributeAccuracy(
        idx.map((i) => p.clips[i].asr_text),
        idx.map((i) => truths[i]),
      ).objectExact;
    };
    // clean narration names every object with the right colour/shape/size; motion is paraphrased, so compare parsed colour+shape
    const clean = p.truth.map((t, i) => ({ t, i })).filter(({ t }) => !t.corrupted);
    for (const { i } of clean.slice(0, 200)) {
      const text = p.clips[i].asr_text;
      for (const o of truths[i].objects) expect(text).toContain(`${o.colour} ${o.shape}`);
    }
    const byKind = (k: string) => (i: number) => p.truth[i].noise_kinds.includes(k);
    for (const i of p.clips.keys()) if (byKind('empty')(i)) expect(p.clips[i].asr_text).toBe('');
    for (const i of p.clips.keys())
      if (byKind('off_topic')(i)) expect(parseCaption(p.clips[i].asr_text).objects).toEqual([]);
    // missing words: much shorter than clean narrations on average
    const words = (pick: (i: number) => boolean): number => {
      const idx = p.clips.map((_, i) => i).filter(pick);
      return idx.reduce((s, i) => s + p.clips[i].asr_text.split(' ').length, 0) / idx.length;
    };
    expect(words((i) => p.truth[i].noise_kinds.join() === 'missing_words')).toBeLessThan(
      0.75 * words((i) => !p.truth[i].corrupted),
    );
    expect(acc((i) => p.truth[i].noise_kinds.includes('other_clip'))).toBeLessThan(0.3);
    expect(acc(() => true)).toBeLessThan(1);
  });

  it('other_clip narrates a clip with a different caption', () => {
    const scenes = Array.from({ length: 60 }, (_, i) => sampleScene(2, i % 6)); // heavy duplication: 6 distinct scenes
    for (let i = 0; i < scenes.length; i++) {
      const o = otherScene(scenes, i, makeRng(2, 'o', i), () => sampleScene(2, 999));
      expect(renderCaption(o)).not.toBe(renderCaption(scenes[i]));
    }
    expect(otherScene([sampleScene(2, 0)], 0, makeRng(2, 'o'), () => sampleScene(2, 999))).toEqual(sampleScene(2, 999));
  });

  it('corruptAttributes always changes at least one attribute', () => {
    for (let i = 0; i < 300; i++) {
      const s = sampleScene(3, i);
      const truth: CaptionAttrs = { objects: s.objects, background: s.background };
      expect(corruptAttributes(truth, makeRng(3, 't', i))).not.toEqual(truth);
    }
  });

  it('is deterministic by seed and clip i does not depend on the clip count', () => {
    const again = plan();
    expect(again.clips).toEqual(p.clips);
    expect(again.truth).toEqual(p.truth);
    expect(plan({ seed: 12 }).truth.map((t) => t.gt_caption)).not.toEqual(p.truth.map((t) => t.gt_caption));
    const small = plan({ clips: 100 });
    expect(small.truth.map((t) => t.gt_caption)).toEqual(p.truth.slice(0, 100).map((t) => t.gt_caption));
  });

  it('rejects bad options naming the field and the value', () => {
    expect(() => parseBenchmarkOptions({ outDir: 'x', clips: 0 })).toThrow(/clips: .*got 0/);
    expect(() => parseBenchmarkOptions({ outDir: 'x', clips: 5, noise: 1.5 })).toThrow(/noise: .*got 1.5/);
    expect(() => parseBenchmarkOptions({ outDir: 'x', clips: 5, width: 63 })).toThrow(/width/);
    expect(() => parseBenchmarkOptions({ outDir: 'x', clips: 5, humanFrac: 0.6, heldoutFrac: 0.6 })).toThrow(
      /heldoutFrac/,
    );
  });
});
