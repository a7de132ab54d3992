/**
 * The toy captioning task used to prove the captioner learns: each clip shows
 * one coloured shape (moving slightly across frames) on a grey background,
 * and its caption names the colour and shape ("a red circle"). Frames are
 * synthesized in memory (no ffmpeg).
 */
import { COLORS, drawShapeClip, type ShapeLayout, SHAPES } from '../../research/noise-experiment/toy-task.js';
import { mulberry32 } from '../../models/rng.js';

export { COLORS, SHAPES };

/** One toy clip. */
export interface ToyClip {
  readonly frames: Uint8Array;
  readonly caption: string;
  readonly asr: string;
}

const FILLER = ['so today we', 'look at this', 'um okay', 'welcome back', 'as you can see', ''];

/** Near the centre with jitter, drifting slowly: position varies, but the shape stays well inside the frame. */
const LAYOUT: ShapeLayout = { radius: [0.26, 0.1], jitter: 0.25, speed: 1, circleScale: 1 };

/** Deterministically generates `n` clips of T frames of size S×S. */
export function toyClips(n: number, T: number, S: number, seed: number): ToyClip[] {
  const r = mulberry32(seed);
  const colors = Object.keys(COLORS);
  const out: ToyClip[] = [];
  for (let k = 0; k < n; k++) {
    const color = colors[Math.floor(r() * colors.length)];
    const shape = SHAPES[Math.floor(r() * SHAPES.length)];
    const frames = drawShapeClip(color, shape, T, S, r, LAYOUT);
    out.push({ frames, caption: `a ${color} ${shape}`, asr: FILLER[Math.floor(r() * FILLER.length)] });
  }
  return out;
}

/** Concatenates clips' frames into one batch buffer. */
export function stackFrames(clips: readonly ToyClip[]): Uint8Array {
  const per = clips[0].frames.length;
  const buf = new Uint8Array(per * clips.length);
  clips.forEach((c, i) => buf.set(c.frames, i * per));
  return buf;
}
