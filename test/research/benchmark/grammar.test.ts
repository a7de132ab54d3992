import { describe, expect, it } from 'vitest';
import { makeRng, rankedSubset } from '../../../models/rng.js';
import {
  BACKGROUND_WORDS,
  COLOUR_WORDS,
  MOTION_KEYS,
  SHAPES,
  parseCaption,
  renderCaption,
  sampleScene,
} from '../../../research/benchmark/index.js';

describe('caption grammar', () => {
  it('renders the documented form', () => {
    expect(
      renderCaption({
        objects: [
          { colour: 'red', shape: 'circle', size: 'small', motion: 'left' },
          { colour: 'blue', shape: 'square', size: 'large', motion: 'still' },
        ],
        background: 'black',
      }),
    ).toBe('a small red circle moves left while a large blue square stays still on a black background');
    expect(
      renderCaption({
        objects: [{ colour: 'white', shape: 'triangle', size: null, motion: 'grows' }],
        background: 'gray',
      }),
    ).toBe('a white triangle grows on a gray background');
  });

  it('parses every sampled scene caption back to its attributes', () => {
    for (let i = 0; i < 500; i++) {
      const s = sampleScene(7, i);
      const parsed = parseCaption(renderCaption(s));
      expect(parsed.background).toBe(s.background);
      expect(parsed.objects).toEqual(s.objects);
    }
  });

  it('samples the whole vocabulary and 2–6 s durations on half-second steps', () => {
    const scenes = Array.from({ length: 600 }, (_, i) => sampleScene(1, i));
    const seen = (f: (s: (typeof scenes)[number]) => string[]): Set<string> => new Set(scenes.flatMap(f));
    expect(seen((s) => s.objects.map((o) => o.colour))).toEqual(new Set(COLOUR_WORDS));
    expect(seen((s) => s.objects.map((o) => o.shape))).toEqual(new Set(SHAPES));
    expect(seen((s) => s.objects.map((o) => o.motion))).toEqual(new Set(MOTION_KEYS));
    expect(seen((s) => [s.background])).toEqual(new Set(BACKGROUND_WORDS));
    for (const s of scenes) {
      expect(s.durationS).toBeGreaterThanOrEqual(2);
      expect(s.durationS).toBeLessThanOrEqual(6);
      expect(Number.isInteger(s.durationS * 2)).toBe(true);
      expect(s.objects.length === 1 || s.objects.length === 2).toBe(true);
    }
    const twoObj = scenes.filter((s) => s.objects.length === 2).length / scenes.length;
    expect(twoObj).toBeGreaterThan(0.3);
    expect(twoObj).toBeLessThan(0.5);
  });

  it('parses tolerant of extra words and reports nothing for chatter', () => {
    expect(parseCaption('Look: A Small Red Circle moves left, wow!').objects).toEqual([
      { colour: 'red', shape: 'circle', size: 'small', motion: 'left' },
    ]);
    expect(parseCaption("don't forget to subscribe")).toEqual({ objects: [], background: null });
  });
});

describe('rng', () => {
  it('is deterministic per (seed, stream, index) and differs across seeds', () => {
    const a = makeRng(1, 'x', 3);
    const b = makeRng(1, 'x', 3);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(makeRng(2, 'x', 3).next()).not.toBe(xs[0]);
    expect(sampleScene(5, 10)).toEqual(sampleScene(5, 10));
  });
  it('rankedSubset has the exact size and honours exclusions', () => {
    const ex = rankedSubset(1, 'a', 100, 10);
    const s = rankedSubset(1, 'b', 100, 20, ex);
    expect(ex.size).toBe(10);
    expect(s.size).toBe(20);
    for (const i of s) expect(ex.has(i)).toBe(false);
  });
});
