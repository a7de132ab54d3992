/**
 * Repair training (`train.text_repair`): some pre-training rows whose caption is their own
 * transcript are shown that transcript, most with a word or two swapped for words the transcripts
 * use in the same place. The target stays the transcript as it was, so the captioner learns to keep
 * a narration's wording and to correct its words from the frames — and its caption of a clip whose
 * transcript names a wrong colour, shape or motion can be that narration repaired, not a rewording.
 * Which words swap is learnt from the rows' own text (`models/probe/word-swap.ts`): no truth, no list.
 */
import { WordSwapNegatives } from '../../models/probe/word-swap.js';
import type { Rng } from '../../models/rng.js';
import type { TrainExample } from './training-set.js';

/** How an epoch shows transcripts for repair. */
export interface TextRepair {
  /** Share of the rows captioned by their own transcript that are shown it (in [0, 1]). */
  readonly share: number;
  /** The swaps learnt from the rows' transcripts. */
  readonly swaps: WordSwapNegatives;
}

/** Whether a row is captioned by its own transcript, the rows repair training shows their text. */
export const transcriptCaptioned = (e: TrainExample): boolean => e.captionSource === 'asr' && e.caption.trim() !== '';

/** The repair settings of a phase over `rows`: swaps learnt from the transcripts of the rows `filter` selects. */
export function textRepair(
  share: number,
  rows: readonly TrainExample[],
  filter: (e: TrainExample) => boolean,
): TextRepair {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`text repair: share must be in [0, 1], got ${share}`);
  const swaps = new WordSwapNegatives();
  swaps.observe(rows.flatMap((e) => (filter(e) && transcriptCaptioned(e) ? [e.caption] : [])));
  return { share, swaps };
}

/**
 * The transcript as a repair row shows it: unchanged, or with one or two words swapped (a third
 * each), fewer when the transcript has no word to swap.
 */
export function repairInput(transcript: string, swaps: WordSwapNegatives, rng: Rng): string {
  let text = transcript;
  for (let n = rng.int(3); n > 0; n--) text = swaps.negative(text, rng) ?? text;
  return text;
}
