/**
 * The tiny loop the experiment tests run: one 40 % benchmark of 48 clips, seed 3, with captioners,
 * judges and fine-tuning cut to a few epochs, so a whole refine job takes seconds.
 */
import type { LoopSettings } from '../../cli/loop-options.js';

/** The shared settings of a tiny loop experiment in `dir` (rounds are each test's own). */
export function tinyLoop(dir: string, rounds: number): LoopSettings {
  return {
    noise: [0.4],
    seeds: [3],
    clips: 48,
    rounds,
    pretrainEpochs: 2,
    overrides: {
      shard_size: 32,
      device: { threads: 1 },
      judge: { ensemble: 1, epochs: 4 },
      train: { finetune: { epochs: 1 } },
    },
    dir,
  };
}
