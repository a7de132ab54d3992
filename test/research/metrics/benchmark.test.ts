import { describe, expect, it } from 'vitest';
import { corruptedIds, parseBenchmarkOptions, planBenchmark } from '../../../research/benchmark/index.js';
import { noiseDetection, scoreAgainstTruth } from '../../../metrics/index.js';
import { benchmarkMeasure } from '../../../research/metrics/benchmark.js';

const { truth, clips } = planBenchmark(parseBenchmarkOptions({ outDir: '/tmp/x', clips: 300, seed: 4 }), '/tmp/x');

const opts = { split: 'heldout', measure: benchmarkMeasure } as const;

describe('scoreAgainstTruth with the benchmark measure', () => {
  it('is perfect for ground-truth captions and lower for ASR text', () => {
    const held = truth.filter((t) => t.split === 'heldout');
    const perfect = scoreAgainstTruth(new Map(held.map((t) => [t.clip_id, t.gt_caption])), truth, opts);
    expect(perfect.n).toBe(30);
    expect(perfect.bleu4).toBeCloseTo(1, 6);
    expect(perfect.attributes?.exact).toBe(1);
    expect(perfect.ciderD).toBeGreaterThan(3);
    const asr = scoreAgainstTruth(new Map(clips.map((c) => [c.clip_id, c.asr_text])), truth, opts);
    expect(asr.ciderD).toBeLessThan(perfect.ciderD);
    expect(asr.bleu4).toBeLessThan(0.5);
    expect(asr.attributes?.exact).toBeLessThan(0.5);
  });
  it('refuses to skip clips without a candidate', () => {
    expect(() => scoreAgainstTruth(new Map(), truth, opts)).toThrow(/30 clips have no candidate/);
  });
  it('without a measure scores word overlap only and records no attribute accuracy', () => {
    const held = truth.filter((t) => t.split === 'heldout');
    const q = scoreAgainstTruth(new Map(held.map((t) => [t.clip_id, t.gt_caption])), truth, { split: 'heldout' });
    expect(q.bleu4).toBeCloseTo(1, 6);
    expect('attributes' in q).toBe(false);
  });
  it('feeds noiseDetection from the truth sidecar', () => {
    const bad = corruptedIds(truth);
    expect(bad).toHaveLength(120);
    // a filter that drops every empty transcript: perfect precision, recall = share of `empty` among corrupted
    const dropped = clips.filter((c) => c.asr_text === '').map((c) => c.clip_id);
    const m = noiseDetection(dropped, bad);
    expect(m.precision).toBe(1);
    expect(m.recall).toBeCloseTo(truth.filter((t) => t.noise_kinds.includes('empty')).length / 120, 12);
  });
});
