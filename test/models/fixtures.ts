/** Shared fixtures: a toy-caption tokenizer and an untrained tiny model. */
import { createModel, type CaptionerModel } from '../../models/model.js';
import { CaptionTokenizer } from '../../models/tokenizer.js';
import { stackFrames, toyClips, type ToyClip } from './toy.js';

/** Tokenizer trained on toy captions and filler ASR. */
export function toyTokenizer(clips: readonly ToyClip[] = toyClips(300, 4, 32, 5)): CaptionTokenizer {
  return CaptionTokenizer.train(
    clips.flatMap((c) => [c.caption, c.asr]),
    { vocabSize: 200 },
  );
}

/** An untrained tiny captioner (random weights, seed fixed). */
export function untrainedTiny(seed = 1): CaptionerModel {
  return createModel('tiny', toyTokenizer(), seed);
}

/** A batch of toy clips as the model API takes it. */
export function toyBatch(clips: readonly ToyClip[]): { frames: Uint8Array; text: string[]; captions: string[] } {
  return { frames: stackFrames(clips), text: clips.map((c) => c.asr), captions: clips.map((c) => c.caption) };
}
