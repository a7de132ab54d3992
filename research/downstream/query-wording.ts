/**
 * The wording of the probe's held-out side. The truth captions use the benchmark's canonical wording,
 * which refined captions copy and the people's narration does not: a probe trained on correct
 * narration retrieves canonical queries far worse than one trained on canonical captions of the same
 * content. So each probe is also scored with the same queries and answer options said in the
 * people's words (one fixed narration style per clip), and by default the two are averaged: a dataset
 * gains nothing by its wording alone.
 */
import { hash32 } from '../../models/rng.js';
import { narrateInStyle } from '../benchmark/asr.js';
import { renderCaption, type CaptionAttrs } from '../benchmark/grammar.js';
import { qaQuestions, type QaQuestion } from './qa.js';
import type { HeldoutClip } from './types.js';
import type { ScoredWording } from './wordings.js';

/** The held-out queries and QA questions in one wording. */
export function heldoutTexts(
  heldout: readonly HeldoutClip[],
  wording: ScoredWording,
): { queries: { clipId: string; text: string }[]; questions: QaQuestion[] } {
  const render = (clipId: string): ((a: CaptionAttrs) => string) =>
    wording === 'canonical' ? renderCaption : (a) => narrateInStyle(a, hash32(clipId));
  return {
    queries: heldout.map((h) => ({
      clipId: h.clip_id,
      text: wording === 'canonical' ? h.truthCaption : render(h.clip_id)(h.attrs),
    })),
    questions: heldout.flatMap((h) => qaQuestions(h.clip_id, h.attrs, render(h.clip_id))),
  };
}
