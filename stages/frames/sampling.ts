/** Where to sample frames in a clip, and which extraction method to use for it. */
import type { SamplingMethod } from '../../config/frames.js';

/** `count` timestamps spread uniformly over [start, end): the midpoints of `count` equal slices. */
export function sampleTimes(start: number, end: number, count: number): number[] {
  const step = (end - start) / count;
  return Array.from({ length: count }, (_, k) => start + (k + 0.5) * step);
}

/** The concrete extraction method for a clip: `seek` (one input seek per frame) or `decode` (one pass with an fps filter). */
export type ConcreteMethod = Exclude<SamplingMethod, 'auto'>;

/**
 * Resolves `auto`: one fast seek per frame wins on long clips (it decodes only from the nearest
 * keyframe to each frame), one decode pass wins on short clips (it decodes each packet once).
 * The crossover `seekMinClipS` comes from `bench/frames.ts`.
 */
export function chooseMethod(method: SamplingMethod, clipSeconds: number, seekMinClipS: number): ConcreteMethod {
  if (method !== 'auto') return method;
  return clipSeconds >= seekMinClipS ? 'seek' : 'decode';
}

/** A clip's time span, all the planner needs. */
export interface ClipSpan {
  readonly start_s: number;
  readonly end_s: number;
}

/**
 * Largest gap (seconds) between two clips of a video that one decode pass reads through rather
 * than starting a new process and seeking. `bench/frames.ts` ("decode once: gap sweep") measures
 * the crossover on a 640x360 H.264 source with a 2 s keyframe interval.
 */
export const DECODE_ONCE_MAX_GAP_S = 4;

/**
 * Plans one video's clips: groups of clips served by ONE decode pass (sorted by start), and
 * single clips extracted per clip as before. Only `auto` decodes once; a clip at least
 * `seekMinClipS` long is cheaper by seeking each frame, so it stays single; clips further apart
 * than `maxGapS` start a new group; a group holds at most `maxClips`. A group of one is single.
 */
export function planVideo<C extends ClipSpan>(
  clips: readonly C[],
  opts: { method: SamplingMethod; seekMinClipS: number; maxGapS?: number; maxClips?: number },
): { passes: C[][]; singles: C[] } {
  if (opts.method !== 'auto') return { passes: [], singles: [...clips] };
  const maxGap = opts.maxGapS ?? DECODE_ONCE_MAX_GAP_S;
  const maxClips = opts.maxClips ?? Infinity;
  const singles: C[] = [];
  const groups: C[][] = [];
  let current: C[] = [];
  let reach = -Infinity;
  for (const c of [...clips].sort((a, b) => a.start_s - b.start_s)) {
    if (c.end_s - c.start_s >= opts.seekMinClipS) {
      singles.push(c);
      continue;
    }
    if (current.length > 0 && (c.start_s - reach > maxGap || current.length >= maxClips)) {
      groups.push(current);
      current = [];
      reach = -Infinity;
    }
    current.push(c);
    reach = Math.max(reach, c.end_s);
  }
  if (current.length > 0) groups.push(current);
  for (const g of groups) if (g.length === 1) singles.push(g[0]);
  return { passes: groups.filter((g) => g.length > 1), singles };
}
