import { describe, expect, it } from 'vitest';
import { checkTeacherConfig } from '../../../models/teacher/config.js';
import { mergeFrameCaptions, middleFrame, teacherFrames } from '../../../models/teacher/frames.js';

describe('teacher frame choice and merge rule', () => {
  it('the middle frame of n frames is ⌊n/2⌋', () => {
    expect([1, 2, 3, 4, 5].map(middleFrame)).toEqual([0, 1, 1, 2, 2]);
  });

  it('"middle" cuts out the middle frame, "each" every frame, and a wrong buffer size names the clip', () => {
    const frames = new Uint8Array(3 * 2 * 1 * 3).map((_, i) => Math.floor(i / 6));
    const clip = { clip_id: 'c7', frame_count: 3, frame_width: 2, frame_height: 1, frames };
    const mid = teacherFrames(clip, 'middle');
    expect(mid).toHaveLength(1);
    expect([...mid[0].pixels]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(teacherFrames(clip, 'each').map((f) => f.pixels[0])).toEqual([0, 1, 2]);
    expect(teacherFrames({ ...clip, frame_count: 0, frames: new Uint8Array(0) }, 'each')).toEqual([]);
    expect(() => teacherFrames({ ...clip, frame_count: 4 }, 'middle')).toThrow(
      /clip c7 has 18 frame bytes, expected 4 × 2×1×3 = 24/,
    );
  });

  it('"each" keeps the caption written for the most frames', () => {
    expect(mergeFrameCaptions(['a dog', 'a cat', 'a dog ', 'a bird'])).toBe('a dog');
  });

  it('a tie goes to the caption nearest the middle frame, then the earlier one', () => {
    // 4 frames, middle = 2: 'b' (frames 1, 2) ties 'a' (frames 0, 3) and is nearer.
    expect(mergeFrameCaptions(['a', 'b', 'b', 'a'])).toBe('b');
    // 5 frames, middle = 2 ('c' alone): all tie at one; the middle frame wins.
    expect(mergeFrameCaptions(['a', 'b', 'c', 'd', 'e'])).toBe('c');
    // 4 frames, middle = 2 empty: frames 1 and 3 are equally near; the earlier wins.
    expect(mergeFrameCaptions(['x', 'y', '', 'z'])).toBe('y');
  });

  it('empty captions never win over a written one; none written gives ""', () => {
    expect(mergeFrameCaptions(['', ' ', 'a cat'])).toBe('a cat');
    expect(mergeFrameCaptions(['', ''])).toBe('');
    expect(mergeFrameCaptions([])).toBe('');
  });

  it('the config check quotes a bad frames mode or an empty dir', () => {
    expect(checkTeacherConfig({ dir: 'm' })).toEqual({ dir: 'm', frames: 'middle' });
    expect(() => checkTeacherConfig({ dir: 'm', frames: 'first' as 'each' })).toThrow(
      /model\.teacher\.frames: expected one of "middle", "each", got "first"/,
    );
    expect(() => checkTeacherConfig({ dir: ' ' })).toThrow(/model\.teacher\.dir: expected a folder path, got " "/);
  });
});
