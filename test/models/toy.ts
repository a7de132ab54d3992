/**
 * The toy captioning task used to prove the captioner learns: each clip shows
 * one coloured shape (moving slightly across frames) on a grey background,
 * and its caption names the colour and shape ("a red circle"). Frames are
 * synthesized in memory (no ffmpeg).
 */
import { rng } from './graph/gradcheck.js';

/** Colours and their RGB. */
export const COLORS: Record<string, [number, number, number]> = {
  red: [220, 40, 40],
  green: [40, 190, 60],
  blue: [40, 70, 230],
  yellow: [235, 220, 40],
  purple: [150, 50, 190],
};
/** Shape names. */
export const SHAPES = ['circle', 'square', 'triangle'] as const;

/** One toy clip. */
export interface ToyClip {
  readonly frames: Uint8Array;
  readonly caption: string;
  readonly asr: string;
}

const FILLER = ['so today we', 'look at this', 'um okay', 'welcome back', 'as you can see', ''];

function inside(shape: string, x: number, y: number, cx: number, cy: number, r: number): boolean {
  const dx = x - cx;
  const dy = y - cy;
  if (shape === 'circle') return dx * dx + dy * dy <= r * r;
  if (shape === 'square') return Math.abs(dx) <= r && Math.abs(dy) <= r;
  // upward triangle: apex at top, base at bottom
  const t = (dy + r) / (2 * r);
  return t >= 0 && t <= 1 && Math.abs(dx) <= t * r;
}

/** Deterministically generates `n` clips of T frames of size S×S. */
export function toyClips(n: number, T: number, S: number, seed: number): ToyClip[] {
  const r = rng(seed);
  const colors = Object.keys(COLORS);
  const out: ToyClip[] = [];
  for (let k = 0; k < n; k++) {
    const color = colors[Math.floor(r() * colors.length)];
    const shape = SHAPES[Math.floor(r() * SHAPES.length)];
    // Near the centre with jitter, drifting slowly: position varies, but the shape stays well inside the frame.
    const rad = S * (0.26 + 0.1 * r());
    let cx = S / 2 + (r() - 0.5) * S * 0.25;
    let cy = S / 2 + (r() - 0.5) * S * 0.25;
    const vx = (r() - 0.5) * 1;
    const vy = (r() - 0.5) * 1;
    const bg = 90 + Math.floor(r() * 80);
    const frames = new Uint8Array(T * S * S * 3);
    const rgb = COLORS[color];
    for (let t = 0; t < T; t++) {
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const o = ((t * S + y) * S + x) * 3;
          const on = inside(shape, x + 0.5, y + 0.5, cx, cy, rad);
          for (let c = 0; c < 3; c++) frames[o + c] = on ? rgb[c] : Math.max(0, Math.min(255, bg + Math.floor((r() - 0.5) * 20)));
        }
      }
      cx = Math.max(rad, Math.min(S - rad, cx + vx));
      cy = Math.max(rad, Math.min(S - rad, cy + vy));
    }
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
