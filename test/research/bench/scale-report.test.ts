/**
 * The scale bench's table: ms per clip and its ratio to the smallest size, peak RSS, per-phase ms
 * per clip with the phase's growth, and the 1.3× verdict both ways. Measures are made up here.
 */
import { describe, expect, it } from 'vitest';
import type { RefineMeasure } from '../../../research/bench/refine-report.js';
import type { PhaseTime } from '../../../research/bench/refine-timeline.js';
import { formatScale, perClipRatio } from '../../../research/bench/scale-report.js';

const phase = (name: string, wallMs: number, peakRssMb: number): PhaseTime => ({
  name,
  group: name.split(' ')[0],
  wallMs,
  activeMs: wallMs,
  ortMs: 0,
  ortByLabel: {},
  peakRssMb,
});
const measure = (clips: number, frames: number, train: number, rss: number): RefineMeasure => ({
  clips,
  rounds: 1,
  maxRssMb: rss,
  phases: [phase('frames', frames, rss - 100), phase('round 0 pretrain', train, rss)],
});

describe('scale report', () => {
  it('prints per-clip time against the smallest size, RSS, per-phase growth, and a met bar', () => {
    const out = formatScale([measure(4000, 40_000, 400_000, 620), measure(1000, 10_000, 100_000, 600)]).split('\n');
    expect(out).toContain('| 1000 | 110.0 | 110.0 | 1.00× | 600 |');
    expect(out).toContain('| 4000 | 440.0 | 110.0 | 1.00× | 620 |');
    expect(out).toContain('| frames | 10.00 | 10.00 | 1.00× |');
    expect(out).toContain('| round 0 pretrain | 100.00 | 100.00 | 1.00× |');
    // peak RSS by the end of each phase, per size
    expect(out).toContain('| frames | 500 | 520 |');
    expect(out).toContain('| round 0 pretrain | 600 | 620 |');
    expect(out).toContain('per-clip time, 4000 vs 1000 clips: 1.00× (bar ≤ 1.3×: met); peak RSS 600 → 620 MB');
  });

  it('says so when per-clip time grows past the bar, and which phase grew', () => {
    const sizes = [measure(1000, 10_000, 100_000, 600), measure(16_000, 16_000 * 50, 16_000 * 100, 700)];
    expect(perClipRatio(sizes)).toBeCloseTo(150 / 110, 10);
    const out = formatScale(sizes);
    expect(out).toContain('| frames | 10.00 | 50.00 | 5.00× |');
    expect(out).toContain('per-clip time, 16000 vs 1000 clips: 1.36× (bar ≤ 1.3×: **not met**)');
  });
});
