/**
 * Which of a clip's frames the teacher captions, and how per-frame captions become one caption.
 *
 * Merge rule (`frames: "each"`): the caption written for the most frames wins; among captions tied
 * on count, the one written for a frame nearest the middle frame wins, and between two frames
 * equally near the middle, the earlier. Captions are compared after trimming; empty captions never
 * win while a non-empty one exists. The middle frame of `n` frames is frame ⌊n/2⌋.
 */
import { type TeacherFrameMode } from './config.js';

/** A clip's frames as the frames stage packs them (see `schemas/clip-frames.ts`). */
export interface TeacherClip {
  readonly clip_id: string;
  readonly frame_count: number;
  readonly frame_width: number;
  readonly frame_height: number;
  /** `frame_count` RGB8 frames back to back, each `frame_width * frame_height * 3` bytes. */
  readonly frames: Uint8Array;
}

/** One RGB8 frame cut out of a clip. */
export interface TeacherFrame {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/** Index of the middle frame of `n` frames (⌊n/2⌋). */
export function middleFrame(n: number): number {
  return Math.floor(n / 2);
}

/** Frame indices ordered by distance to the middle frame, earlier first on equal distance. */
function byNearnessToMiddle(n: number): number[] {
  const mid = middleFrame(n);
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.abs(a - mid) - Math.abs(b - mid) || a - b);
}

/** The frames the teacher captions for a clip under `mode`; throws when the buffer does not match its size. */
export function teacherFrames(clip: TeacherClip, mode: TeacherFrameMode): TeacherFrame[] {
  const { frame_count: n, frame_width: w, frame_height: h } = clip;
  const size = w * h * 3;
  if (clip.frames.length !== n * size)
    throw new Error(
      `teacher: clip ${clip.clip_id} has ${clip.frames.length} frame bytes, expected ${n} × ${w}×${h}×3 = ${n * size}`,
    );
  const cut = (i: number): TeacherFrame => ({
    width: w,
    height: h,
    pixels: clip.frames.subarray(i * size, (i + 1) * size),
  });
  if (n === 0) return [];
  return mode === 'middle' ? [cut(middleFrame(n))] : Array.from({ length: n }, (_, i) => cut(i));
}

/** Merges one clip's per-frame captions (in frame order) into its caption by the module's rule. */
export function mergeFrameCaptions(captions: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const c of captions) {
    const t = c.trim();
    if (t !== '') counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  let best = '';
  let bestCount = 0;
  for (const i of byNearnessToMiddle(captions.length)) {
    const t = captions[i].trim();
    const k = counts.get(t) ?? 0;
    if (k > bestCount) {
      best = t;
      bestCount = k;
    }
  }
  return best;
}
