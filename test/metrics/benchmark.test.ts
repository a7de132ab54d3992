import { describe, expect, it } from 'vitest';
import { corruptedIds, parseBenchmarkOptions, planBenchmark } from '../../datagen/index.js';
import { noiseDetection, scoreAgainstTruth } from '../../metrics/index.js';

const { truth, clips } = planBenchmark(parseBenchmarkOptions({ outDir: '/tmp/x', clips: 300, seed: 4 }), '/tmp/x');

describe('scoreAgainstTruth', () => {
  it('is perfect for ground-truth captions and lower for ASR text', () => {
    const held = truth.filter((t) => t.split === 'heldout');
    const perfect = scoreAgainstTruth(new Map(held.map((t) => [t.clip_id, t.gt_caption])), truth, 'heldout');
    expect(perfect.n).toBe(30);
    expect(perfect.bleu4).toBeCloseTo(1, 6);
    expect(perfect.attributes.exact).toBe(1);
    expect(perfect.ciderD).toBeGreaterThan(3);
    const asr = scoreAgainstTruth(new Map(clips.map((c) => [c.clip_id, c.asr_text])), truth, 'heldout');
    expect(asr.ciderD).toBeLessThan(perfect.ciderD);
    expect(asr.bleu4).toBeLessThan(0.5);
    expect(asr.attributes.exact).toBeLessThan(0.5);
  });
  it('refuses to skip clips without a candidate', () => {
    expect(() => scoreAgainstTruth(new Map(), truth, 'heldout')).toThrow(/30 clips have no candidate/);
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
