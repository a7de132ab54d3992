/** Where to sample frames in a clip, and which extraction method to use for it. */
import type { SamplingMethod } from '../../schemas/config.js';

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
