/**
 * The fixed-style narration the downstream probe's narrated queries use (`narrateInStyle`): right in
 * content for every scene and style, the background always said, the same text for the same style,
 * and two scenes that differ in one attribute differ only in its words. `narrate` itself (the
 * generator's) is covered by the benchmark's generation tests.
 */
import { describe, expect, it } from 'vitest';
import { carriesTagline, narrateInStyle, TITLE_TAGLINES } from '../../../research/benchmark/asr.js';
import { contentCorrect } from '../../../research/benchmark/content.js';
import {
  BACKGROUND_WORDS,
  COLOUR_WORDS,
  MOTION_KEYS,
  SHAPES,
  type CaptionAttrs,
} from '../../../research/benchmark/grammar.js';

/** Every motion, colour and shape on one object, beside a second object, over the backgrounds. */
function scenes(): CaptionAttrs[] {
  const out: CaptionAttrs[] = [];
  MOTION_KEYS.forEach((motion, i) =>
    COLOUR_WORDS.forEach((colour, j) =>
      out.push({
        objects: [
          { colour, shape: SHAPES[(i + j) % SHAPES.length], size: j % 2 ? 'small' : null, motion },
          ...(i % 2
            ? [{ colour: COLOUR_WORDS[i % 5], shape: SHAPES[j % 3], size: 'large' as const, motion: 'up' as const }]
            : []),
        ],
        background: BACKGROUND_WORDS[(i + j) % BACKGROUND_WORDS.length],
      }),
    ),
  );
  return out;
}

const words = (s: string): string[] => s.split(' ');

describe('narrateInStyle', () => {
  it('states every scene right in every style, background included, and the same text each time', () => {
    for (const attrs of scenes())
      for (const style of [0, 1, 2, 5, 11, 4_000_000_001]) {
        const text = narrateInStyle(attrs, style);
        expect(contentCorrect(text, attrs), text).toBe(true);
        expect(text).toContain(`on a ${attrs.background} background`);
        expect(narrateInStyle(attrs, style)).toBe(text);
      }
  });

  it('two scenes that differ in one colour or background differ in that word only', () => {
    const attrs = scenes()[7];
    const other: CaptionAttrs = {
      ...attrs,
      objects: [
        { ...attrs.objects[0], colour: attrs.objects[0].colour === 'red' ? 'blue' : 'red' },
        ...attrs.objects.slice(1),
      ],
    };
    for (const [a, b] of [
      [attrs, other],
      [attrs, { ...attrs, background: attrs.background === 'black' ? 'gray' : 'black' } as CaptionAttrs],
    ]) {
      const [x, y] = [words(narrateInStyle(a, 3)), words(narrateInStyle(b, 3))];
      expect(x).toHaveLength(y.length);
      expect(x.filter((w, i) => w !== y[i])).toHaveLength(1);
    }
  });

  it('styles differ in wording, not content', () => {
    const attrs = scenes()[3];
    const texts = new Set([0, 1, 2, 3, 4, 5].map((s) => narrateInStyle(attrs, s)));
    expect(texts.size).toBeGreaterThan(3);
  });
});

describe('carriesTagline', () => {
  it("finds a title's tagline in a caption, whatever its case and punctuation, as whole words", () => {
    for (const t of TITLE_TAGLINES) expect(carriesTagline(`Red Square Going Right | ${t}`), t).toBe(true);
    expect(carriesTagline('red circle moving left kids video')).toBe(true);
    expect(carriesTagline('red circle moving left')).toBe(false);
    expect(carriesTagline('we learn shapes today')).toBe(true);
    expect(carriesTagline('relearn shapesmith')).toBe(false);
  });
});
