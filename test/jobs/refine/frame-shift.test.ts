/**
 * Frame-shift augmentation: every frame of a clip moves by the same pixels with its edges repeated,
 * a zero shift is the clip itself, seeded draws stay within the bound and repeat with the seed.
 */
import { describe, expect, it } from 'vitest';
import { randomShift, shiftClipFrames } from '../../../jobs/refine/frame-shift.js';
import { makeRng } from '../../../models/rng.js';

/** Two 3 × 3 frames whose red channel is 10·frame + 3·y + x (green and blue 0 and 255). */
function clip(): Uint8Array {
  const px = new Uint8Array(2 * 3 * 3 * 3);
  for (let t = 0; t < 2; t++)
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 3; x++) px.set([10 * t + 3 * y + x, 0, 255], ((t * 3 + y) * 3 + x) * 3);
  return px;
}
const red = (px: Uint8Array, t: number, y: number, x: number): number => px[((t * 3 + y) * 3 + x) * 3];

describe('shiftClipFrames', () => {
  it('moves every frame right and down by the shift, repeating the left and top edges', () => {
    const out = shiftClipFrames(clip(), 3, 1, 1);
    for (let t = 0; t < 2; t++) {
      expect(red(out, t, 1, 1)).toBe(10 * t + 0); // was (0, 0)
      expect(red(out, t, 2, 2)).toBe(10 * t + 4); // was (1, 1)
      expect(red(out, t, 0, 0)).toBe(10 * t + 0); // edge repeated
      expect(red(out, t, 0, 2)).toBe(10 * t + 1); // top row repeats row 0, x − 1
    }
    expect(out[1]).toBe(0);
    expect(out[2]).toBe(255);
  });

  it('moves left and up with a negative shift, and is the clip itself with none', () => {
    const out = shiftClipFrames(clip(), 3, -1, -1);
    expect(red(out, 0, 0, 0)).toBe(4); // was (1, 1)
    expect(red(out, 1, 2, 2)).toBe(18); // edge repeated: (2, 2) of frame 1
    const c = clip();
    expect(shiftClipFrames(c, 3, 0, 0)).toBe(c);
  });

  it('refuses bytes that are not whole frames of the size, naming both', () => {
    expect(() => shiftClipFrames(new Uint8Array(10), 3, 1, 0)).toThrow(/10 bytes are not whole 3 × 3 RGB frames/);
  });
});

describe('randomShift', () => {
  it('draws within the bound and repeats with the seed', () => {
    const shifts = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const a = randomShift(clip(), { max: 1, size: 3 }, makeRng(7, 'frame-shift', i));
      const b = randomShift(clip(), { max: 1, size: 3 }, makeRng(7, 'frame-shift', i));
      expect(a).toEqual(b);
      shifts.add(Array.from(a.subarray(0, 30)).join(','));
    }
    // nine shifts of at most one pixel each way (some coincide at the edges), more than one seen
    expect(shifts.size).toBeGreaterThan(1);
    expect(shifts.size).toBeLessThanOrEqual(9);
  });
});
