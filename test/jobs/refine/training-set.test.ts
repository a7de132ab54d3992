/**
 * Which rows each training phase may learn from: pre-training takes kept, non-empty, machine-chosen
 * rows outside the held-out split; fine-tuning takes human captions outside the held-out split.
 * Held-out rows are never trained on, even when they carry a human caption.
 */
import { describe, expect, it } from 'vitest';
import { humanExample, type TrainExample, trainableExample } from '../../../jobs/refine/training-set.js';

const ex = (over: Partial<TrainExample>): TrainExample => ({
  clipId: 'c',
  split: 'train',
  text: 'a title . a transcript',
  caption: 'a red circle moves left',
  captionSource: 'asr',
  weight: 0.8,
  keep: true,
  gamma: 0.1,
  rho: 0.2,
  ...over,
});

describe('trainableExample', () => {
  it('takes a kept, non-empty machine row of the train split (whatever its source)', () => {
    for (const captionSource of ['asr', 'title', 'title-lead', 'previous', 'synthetic', 'synthetic-frames'])
      expect(trainableExample(ex({ captionSource })), captionSource).toBe(true);
    expect(trainableExample(ex({ split: 'human', captionSource: 'asr' }))).toBe(true); // a clip's split is not its caption's source
  });

  it('excludes held-out, dropped, empty and human rows', () => {
    expect(trainableExample(ex({ split: 'heldout' }))).toBe(false);
    expect(trainableExample(ex({ keep: false }))).toBe(false);
    expect(trainableExample(ex({ caption: '' }))).toBe(false);
    expect(trainableExample(ex({ caption: '   ' }))).toBe(false);
    expect(trainableExample(ex({ captionSource: 'human', split: 'human' }))).toBe(false);
  });
});

describe('humanExample', () => {
  it('takes a human caption outside the held-out split', () => {
    expect(humanExample(ex({ captionSource: 'human', split: 'human' }))).toBe(true);
    expect(humanExample(ex({ captionSource: 'human', split: 'train', keep: false }))).toBe(true);
  });

  it('excludes a held-out row with a human caption, machine captions and empty ones', () => {
    expect(humanExample(ex({ captionSource: 'human', split: 'heldout' }))).toBe(false);
    expect(humanExample(ex({ captionSource: 'asr', split: 'human' }))).toBe(false);
    expect(humanExample(ex({ captionSource: 'human', split: 'human', caption: ' ' }))).toBe(false);
  });
});
