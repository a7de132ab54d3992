/**
 * The smallest refine job settings that still run every phase of a round: a tiny captioner, one
 * CPU thread, one epoch of each training phase and of the judges. For tests whose subject is what a
 * job does with its clips, not how well it learns.
 */

/** Refine config fields for a tiny, fast job; `vocabSize` fits the test's few clips. */
export function tinyRefineSettings(vocabSize: number) {
  return {
    model: { preset: 'tiny', vocab_size: vocabSize, max_caption_len: 24, max_text_len: 24 },
    device: { providers: ['cpu'], threads: 1 },
    train: { pretrain: { epochs: 1, batch_size: 16 }, finetune: { epochs: 1, batch_size: 8 } },
    judge: { epochs: 1, batch_size: 16 },
  };
}
