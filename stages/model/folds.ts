/**
 * Cross-fitting: the clips are split into K folds by a hash of their id. A clip's candidates are
 * written and scored by one fold's model (`judgeFold`), trained on every other fold's rows
 * (`trainsOn`) — one that never trained on the clip's text — so a wrong transcript it would have
 * memorised cannot vouch for itself. K = 2 is the classic swap (each model learns from one half and
 * judges the other); larger K gives each model more to learn from. K = 1 turns it off (one model
 * writes, scores and trains on all).
 */
import { createHash } from 'node:crypto';

/** The fold of a clip among `k` (stable across runs and machines). */
export function foldOf(clipId: string, k: number): number {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`folds must be a positive integer, got ${k}`);
  if (k === 1) return 0;
  return createHash('sha256').update(clipId).digest().readUInt32BE(0) % k;
}

/** The fold whose model writes and scores a clip: the next one (the clip's own when k = 1). */
export function judgeFold(clipId: string, k: number): number {
  return (foldOf(clipId, k) + 1) % k;
}

/**
 * Whether fold `judge`'s model may train on a clip: every clip except those it writes and scores
 * (`judgeFold`), so with k folds each model learns from (k − 1)/k of the data and never from a clip
 * it judges. k = 1: every clip.
 */
export function trainsOn(judge: number, clipId: string, k: number): boolean {
  return k === 1 || judgeFold(clipId, k) !== judge;
}
