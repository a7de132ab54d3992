/**
 * Frame-shift augmentation for the captioner's training: every frame of a clip moved by the same
 * few pixels, edges repeated. A caption that names colours, shapes and motions is as true of the
 * shifted clip, so the model sees more distinct inputs per row and memorises fewer of them.
 */
import type { Rng } from '../../models/rng.js';

/** A clip's frames (T × size × size × 3, RGB8) moved by (dx, dy) pixels, the edge pixels repeated. */
export function shiftClipFrames(pixels: Uint8Array, size: number, dx: number, dy: number): Uint8Array {
  const frame = size * size * 3;
  if (pixels.length % frame !== 0)
    throw new Error(`shiftClipFrames: ${pixels.length} bytes are not whole ${size} × ${size} RGB frames`);
  if (dx === 0 && dy === 0) return pixels;
  const out = new Uint8Array(pixels.length);
  const clamp = (v: number): number => (v < 0 ? 0 : v >= size ? size - 1 : v);
  for (let t = 0; t < pixels.length; t += frame) {
    for (let y = 0; y < size; y++) {
      const row = t + clamp(y - dy) * size * 3;
      for (let x = 0; x < size; x++) {
        const from = row + clamp(x - dx) * 3;
        const to = t + (y * size + x) * 3;
        out[to] = pixels[from];
        out[to + 1] = pixels[from + 1];
        out[to + 2] = pixels[from + 2];
      }
    }
  }
  return out;
}

/** How training batches shift their clips: up to `max` pixels each way, frames of `size` pixels. */
export interface FrameShift {
  readonly max: number;
  readonly size: number;
}

/** The clip's frames shifted by a draw from `rng` (uniform in −max … max on each axis). */
export function randomShift(pixels: Uint8Array, shift: FrameShift, rng: Rng): Uint8Array {
  const draw = (): number => rng.int(2 * shift.max + 1) - shift.max;
  const dx = draw();
  return shiftClipFrames(pixels, shift.size, dx, draw());
}
