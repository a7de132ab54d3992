/**
 * The raw input's side of every round's record: the train transcripts (and, with truth, the clean
 * ones) measured once for the whole job, as the manifest gives them.
 */
import { captionFromText } from '../../stages/caption/clean-text.js';
import { type Trinity, TrinityMeter, type TruthJudge } from './dataset-metrics.js';

/** A train-split clip's raw text, as the input dataset gives it. */
export interface RawClip {
  readonly clipId: string;
  readonly asrText: string;
  readonly split: string;
}

/**
 * The raw input measured once for the whole job: the same in every round, so the job keeps this
 * instead of every clip's row (at millions of clips the rows would be gigabytes).
 */
export interface RawSide {
  /** Train-split clips in the manifest (what `keptShare` is a share of). */
  readonly trainClips: number;
  readonly raw: Trinity;
  readonly rawClean?: Trinity;
  /** The clean train transcripts by clip id (only with truth), for `keptClean`. */
  readonly cleanText?: ReadonlyMap<string, string>;
}

/**
 * Measures the raw train transcripts (and, with truth, the clean ones) for a round's data metrics (`round-data-meter.ts`),
 * one clip at a time: without truth it holds counts and distinct words and bigrams, not the clips.
 */
export async function rawSide(raw: AsyncIterable<RawClip> | Iterable<RawClip>, judge?: TruthJudge): Promise<RawSide> {
  const truth = judge?.truth;
  const all = new TrinityMeter(judge);
  const clean = truth ? { meter: new TrinityMeter(judge), text: new Map<string, string>() } : undefined;
  let trainClips = 0;
  for await (const c of raw) {
    if (c.split !== 'train') continue;
    trainClips++;
    const row = { clipId: c.clipId, caption: captionFromText(c.asrText, null), source: 'raw' };
    all.add(row);
    if (clean && truth?.get(c.clipId)?.corrupted === false) {
      clean.meter.add(row);
      clean.text.set(row.clipId, row.caption);
    }
  }
  return {
    trainClips,
    raw: all.trinity(),
    ...(clean ? { rawClean: clean.meter.trinity(), cleanText: clean.text } : {}),
  };
}
