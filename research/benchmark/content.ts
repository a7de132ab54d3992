/**
 * What a caption says about a clip, whatever its wording: the benchmark's canonical grammar
 * ("a small red square moves right"), the narration of its ASR ("okay so you can see a red square
 * going right"), its titles ("Red Square Going Right | Learn Shapes") and anything in between.
 * Content accuracy is judged on this reading, so a correct transcript and its canonical caption
 * score the same.
 */
import type { ContentErrors } from '../../metrics/truth-measure.js';
import { MOTION_PHRASES } from './asr.js';
import {
  BACKGROUND_WORDS,
  COLOUR_WORDS,
  MOTIONS,
  MOTION_KEYS,
  SHAPES,
  SIZE_WORDS,
  type Background,
  type CaptionAttrs,
  type Colour,
  type Motion,
  type Shape,
  type Size,
} from './grammar.js';

/** One object a caption mentions; fields it does not state are null. */
export interface StatedObject {
  readonly colour: Colour;
  readonly shape: Shape;
  readonly size: Size | null;
  readonly motion: Motion | null;
}

/** Everything a caption states: its objects in order and its background (null when not stated). */
export interface StatedContent {
  readonly objects: StatedObject[];
  readonly background: Background | null;
}

/** Every word sequence the generator uses for a motion, longest first so "moving to the left" wins over "left". */
const MOTION_WORDS: readonly { words: string[]; motion: Motion }[] = MOTION_KEYS.flatMap((m) =>
  [...new Set([MOTIONS[m], ...MOTION_PHRASES[m]])].map((p) => ({ words: p.split(' '), motion: m })),
).sort((a, b) => b.words.length - a.words.length);

const COLOUR_SET: ReadonlySet<string> = new Set(COLOUR_WORDS);
const SHAPE_SET: ReadonlySet<string> = new Set(SHAPES);
const SIZE_SET: ReadonlySet<string> = new Set(SIZE_WORDS);
const BACKGROUND_SET: ReadonlySet<string> = new Set(BACKGROUND_WORDS);

function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

function motionAt(words: readonly string[], i: number): { motion: Motion; length: number } | null {
  for (const m of MOTION_WORDS)
    if (m.words.every((w, k) => words[i + k] === w)) return { motion: m.motion, length: m.words.length };
  return null;
}

/**
 * Reads the objects and background a caption states. An object is a colour word followed by a
 * shape word (a size word may come before the colour); its motion is the first motion phrase after
 * it and before the next object. "on a <colour> background" names the background.
 */
export function parseContent(text: string): StatedContent {
  const w = wordsOf(text);
  const objects: { colour: Colour; shape: Shape; size: Size | null; motion: Motion | null }[] = [];
  let background: Background | null = null;
  for (let i = 0; i < w.length; i++) {
    const word = w[i];
    if (BACKGROUND_SET.has(word) && w[i + 1] === 'background') {
      background ??= word as Background;
      continue;
    }
    if (COLOUR_SET.has(word) && SHAPE_SET.has(w[i + 1] ?? '')) {
      const size = SIZE_SET.has(w[i - 1] ?? '') ? (w[i - 1] as Size) : null;
      objects.push({ colour: word as Colour, shape: w[i + 1] as Shape, size, motion: null });
      i++;
      continue;
    }
    const last = objects[objects.length - 1];
    if (last && last.motion === null) {
      const m = motionAt(w, i);
      if (m) {
        last.motion = m.motion;
        i += m.length - 1;
      }
    }
  }
  return { objects, background };
}

/** Every one-to-one assignment of `n` items to distinct indices of `m` (scenes hold one or two objects). */
function* assignments(n: number, m: number, used: number[] = []): Generator<number[]> {
  if (used.length === n) {
    yield used;
    return;
  }
  for (let j = 0; j < m; j++) if (!used.includes(j)) yield* assignments(n, m, [...used, j]);
}

/** How strictly {@link contentCorrect} reads a caption. */
export interface ContentCheck {
  /**
   * Also require every size and background the caption states to be the true one (leaving them out
   * is still fine). Off by default: content accuracy is about each object's colour, shape and motion.
   */
  readonly strict?: boolean;
}

/**
 * True when `text` states every truth object's colour, shape and motion correctly and mentions no
 * other object, whatever its wording; object order does not matter. With `strict`, a size or
 * background it states must also be right.
 */
export function contentCorrect(text: string, truth: CaptionAttrs, check: ContentCheck = {}): boolean {
  const stated = parseContent(text);
  if (check.strict && stated.background !== null && stated.background !== truth.background) return false;
  if (stated.objects.length !== truth.objects.length) return false;
  for (const order of assignments(truth.objects.length, stated.objects.length)) {
    const ok = truth.objects.every((t, k) => {
      const s = stated.objects[order[k]];
      const core = s.colour === t.colour && s.shape === t.shape && s.motion === t.motion;
      return core && (!check.strict || s.size === null || s.size === t.size);
    });
    if (ok) return true;
  }
  return false;
}

/** Share of `texts` whose content is right against the aligned truths (0 for none). */
export function contentAccuracy(
  texts: readonly string[],
  truths: readonly CaptionAttrs[],
  check: ContentCheck = {},
): number {
  if (texts.length !== truths.length)
    throw new RangeError(`contentAccuracy: ${texts.length} texts for ${truths.length} truths`);
  if (texts.length === 0) return 0;
  return texts.filter((t, i) => contentCorrect(t, truths[i], check)).length / texts.length;
}

/**
 * Breaks content accuracy down by attribute and object (matched in the order that gets the most
 * attributes right), so a captioner's errors can be traced: colour, shape or motion, first or
 * second object.
 */
export function contentErrors(texts: readonly string[], truths: readonly CaptionAttrs[]): ContentErrors {
  if (texts.length !== truths.length)
    throw new RangeError(`contentErrors: ${texts.length} texts for ${truths.length} truths`);
  const pos = [0, 1].map(() => ({ n: 0, colour: 0, shape: 0, motion: 0 }));
  let count = 0;
  texts.forEach((text, i) => {
    const truth = truths[i];
    const stated = parseContent(text).objects;
    if (stated.length === truth.objects.length) count++;
    const score = (s: StatedObject | undefined, t: CaptionAttrs['objects'][number]): number =>
      s ? Number(s.colour === t.colour) + Number(s.shape === t.shape) + Number(s.motion === t.motion) : 0;
    let bestOrder: number[] = [];
    let best = -1;
    for (const order of assignments(truth.objects.length, Math.max(stated.length, truth.objects.length))) {
      const sc = truth.objects.reduce((a, t, k) => a + score(stated[order[k]], t), 0);
      if (sc > best) [best, bestOrder] = [sc, order];
    }
    truth.objects.forEach((t, k) => {
      const p = pos[k];
      const s = stated[bestOrder[k]];
      p.n++;
      if (s?.colour === t.colour) p.colour++;
      if (s?.shape === t.shape) p.shape++;
      if (s?.motion === t.motion) p.motion++;
    });
  });
  const share = (x: number, n: number): number => (n ? x / n : 0);
  return {
    n: texts.length,
    objectCount: share(count, texts.length),
    objects: pos.map((p) => ({
      n: p.n,
      colour: share(p.colour, p.n),
      shape: share(p.shape, p.n),
      motion: share(p.motion, p.n),
    })),
  };
}
