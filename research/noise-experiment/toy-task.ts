/**
 * The noise experiment's generated task: each clip shows one coloured shape drifting over a grey,
 * speckled background (synthesized in memory, no ffmpeg) and its true caption names colour and
 * shape ("a red circle"). A known fraction of the training rows is corrupted — the caption is
 * replaced by one with a wrong attribute ("a blue circle") or by off-topic chatter — and the ids
 * of those rows are returned, so noise detection can be scored exactly.
 */
import { mulberry32, shuffled } from '../../models/rng.js';

/** Colours and their RGB. */
export const COLORS: Readonly<Record<string, readonly [number, number, number]>> = {
  red: [220, 40, 40],
  green: [40, 190, 60],
  blue: [40, 70, 230],
  yellow: [235, 220, 40],
  purple: [150, 50, 190],
};
/** Shape names. */
export const SHAPES = ['circle', 'square', 'triangle'] as const;
/** Off-topic narration used as ASR text and as one kind of caption corruption. */
export const CHATTER = [
  'so today we look at this',
  'um okay welcome back everyone',
  'thanks for watching and subscribe',
  'let me know in the comments',
  'as you can see here',
  'right so that is it for now',
] as const;

/** How a corrupted caption was made. */
export type CorruptionKind = 'wrong-attribute' | 'off-topic';

/** One clip of the task. */
export interface ToyRow {
  /** Stable row id (`train-17`, `heldout-3`). */
  readonly id: string;
  /** T×S×S×3 RGB8 frames. */
  readonly frames: Uint8Array;
  /** The caption the row carries (corrupted for corrupted rows). */
  readonly caption: string;
  /** The true caption of the clip. */
  readonly truth: string;
  /** ASR-like text fed to the encoder (uninformative chatter). */
  readonly asr: string;
  /** Set when the caption was corrupted. */
  readonly corruption?: CorruptionKind;
}

/** Options of {@link makeToyTask}. */
export interface ToyTaskOptions {
  /** Training rows. */
  readonly trainClips: number;
  /** Clean held-out rows. */
  readonly heldoutClips: number;
  /** Fraction of training rows whose caption is corrupted, in [0, 1). Exactly round(noise·trainClips) rows. */
  readonly noise: number;
  /** Fraction of corrupted rows that get a wrong attribute (the rest off-topic chatter). Default 0.5. */
  readonly wrongAttributeShare?: number;
  /** Frames per clip. */
  readonly frames: number;
  /** Frame side in pixels. */
  readonly frameSize: number;
  readonly seed: number;
}

/** A generated task: noisy training rows, clean held-out rows, and the ids of the corrupted rows. */
export interface ToyTask {
  readonly train: readonly ToyRow[];
  readonly heldout: readonly ToyRow[];
  readonly corruptedIds: readonly string[];
}

const pick = <T>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)];

function inside(
  shape: string,
  x: number,
  y: number,
  cx: number,
  cy: number,
  rad: number,
  circleScale: number,
): boolean {
  const dx = x - cx;
  const dy = y - cy;
  if (shape === 'circle') return dx * dx + dy * dy <= circleScale * circleScale * rad * rad;
  if (shape === 'square') return Math.abs(dx) <= rad && Math.abs(dy) <= rad;
  // upward triangle: apex at top, base at bottom
  const t = (dy + rad) / (2 * rad);
  return t >= 0 && t <= 1 && Math.abs(dx) <= t * rad;
}

/** Where a toy clip's shape sits and how it moves, as fractions of the frame size S. */
export interface ShapeLayout {
  /** Half-size = S · (base + spread · u), u uniform in [0, 1). */
  readonly radius: readonly [base: number, spread: number];
  /** Centre = S/2 ± jitter·S/2. */
  readonly jitter: number;
  /** Drift per frame in pixels, ± speed/2. */
  readonly speed: number;
  /** A circle's radius relative to the half-size (a square fills its box; < 1 keeps them apart in small frames). */
  readonly circleScale: number;
}

/** The noise experiment's layout: a large shape near the centre, drifting a little (the task is about caption noise, not hard vision). */
export const EXPERIMENT_LAYOUT: ShapeLayout = { radius: [0.36, 0.08], jitter: 0.16, speed: 0.5, circleScale: 0.8 };

/** T frames of S×S RGB8 showing one coloured shape on a speckled grey background; all randomness from `r`. */
export function drawShapeClip(
  color: string,
  shape: string,
  T: number,
  S: number,
  r: () => number,
  layout: ShapeLayout,
): Uint8Array {
  const rad = S * (layout.radius[0] + layout.radius[1] * r());
  let cx = S / 2 + (r() - 0.5) * layout.jitter * S;
  let cy = S / 2 + (r() - 0.5) * layout.jitter * S;
  const vx = (r() - 0.5) * layout.speed;
  const vy = (r() - 0.5) * layout.speed;
  const bg = 90 + Math.floor(r() * 80);
  const frames = new Uint8Array(T * S * S * 3);
  const rgb = COLORS[color];
  for (let t = 0; t < T; t++) {
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const o = ((t * S + y) * S + x) * 3;
        const on = inside(shape, x + 0.5, y + 0.5, cx, cy, rad, layout.circleScale);
        for (let c = 0; c < 3; c++)
          frames[o + c] = on ? rgb[c] : Math.max(0, Math.min(255, bg + Math.floor((r() - 0.5) * 20)));
      }
    }
    cx = Math.max(rad, Math.min(S - rad, cx + vx));
    cy = Math.max(rad, Math.min(S - rad, cy + vy));
  }
  return frames;
}

/** A caption with the colour or the shape (even odds) replaced by a different one. */
function wrongAttribute(color: string, shape: string, r: () => number): string {
  if (r() < 0.5)
    return `a ${pick(
      Object.keys(COLORS).filter((c) => c !== color),
      r,
    )} ${shape}`;
  return `a ${color} ${pick(
    SHAPES.filter((s) => s !== shape),
    r,
  )}`;
}

/** Every caption the task can produce (true, wrong-attribute and chatter): the tokenizer's corpus. */
export function taskCorpus(): string[] {
  const caps = Object.keys(COLORS).flatMap((c) => SHAPES.map((s) => `a ${c} ${s}`));
  return [...caps, ...CHATTER];
}

/** Generates the task deterministically from its options. */
export function makeToyTask(o: ToyTaskOptions): ToyTask {
  if (!(o.noise >= 0 && o.noise < 1)) throw new RangeError(`noise must be in [0, 1), got ${o.noise}`);
  for (const k of ['trainClips', 'heldoutClips', 'frames', 'frameSize'] as const) {
    if (!(Number.isInteger(o[k]) && o[k] > 0)) throw new RangeError(`${k} must be a positive integer, got ${o[k]}`);
  }
  const share = o.wrongAttributeShare ?? 0.5;
  if (!(share >= 0 && share <= 1)) throw new RangeError(`wrongAttributeShare must be in [0, 1], got ${share}`);
  const r = mulberry32(o.seed);
  const make = (prefix: string, n: number): ToyRow[] =>
    Array.from({ length: n }, (_, i) => {
      const color = pick(Object.keys(COLORS), r);
      const shape = pick(SHAPES, r);
      const truth = `a ${color} ${shape}`;
      return {
        id: `${prefix}-${i}`,
        frames: drawShapeClip(color, shape, o.frames, o.frameSize, r, EXPERIMENT_LAYOUT),
        caption: truth,
        truth,
        asr: pick(CHATTER, r),
      };
    });
  const clean = make('train', o.trainClips);
  const heldout = make('heldout', o.heldoutClips);
  const nBad = Math.round(o.noise * o.trainClips);
  const bad = shuffled(
    clean.map((_, i) => i),
    r,
  ).slice(0, nBad);
  const nWrong = Math.round(share * nBad);
  const train = [...clean];
  bad.forEach((i, k) => {
    const row = clean[i];
    const [, color, shape] = row.truth.split(' ');
    train[i] =
      k < nWrong
        ? { ...row, caption: wrongAttribute(color, shape, r), corruption: 'wrong-attribute' }
        : { ...row, caption: pick(CHATTER, r), corruption: 'off-topic' };
  });
  return { train, heldout, corruptedIds: bad.map((i) => clean[i].id).sort() };
}

/** Concatenates rows' frames into one batch buffer. */
export function stackFrames(rows: readonly ToyRow[]): Uint8Array {
  const per = rows[0].frames.length;
  const buf = new Uint8Array(per * rows.length);
  rows.forEach((c, i) => buf.set(c.frames, i * per));
  return buf;
}
