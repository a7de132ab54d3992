/**
 * The flags the loop experiments share (`refine-exp`, `tick-exp`): which generated datasets to
 * refine (noise levels, seeds, clips), how (rounds, pre-training epochs, config overrides) and where.
 */
import type { Command } from 'commander';
import { DEMO_CLIPS } from '../jobs/demo/demo-size.js';
import type { RefineExperimentSettings } from '../research/refine-experiment/experiment.js';
import { collectSetting, fractionsOption, intOption } from './options.js';

/** The shared flags as commander parses them. */
export interface LoopFlags {
  noise: number[];
  seeds: number;
  firstSeed: number;
  clips: number;
  rounds: number;
  pretrainEpochs?: number;
  set?: Record<string, unknown>;
  dir: string;
}

/** The settings the flags stand for: a refine experiment's, less its loop methods (what `tick-exp` takes too). */
export type LoopSettings = Omit<RefineExperimentSettings, 'methods' | 'cleanup'>;

/** Adds the shared flags, with this command's default noise levels, clips help and working directory. */
export function addLoopOptions(cmd: Command, d: { noise: number[]; clips: string; dir: string }): Command {
  return cmd
    .option('--noise <fracs>', 'comma-separated noisy-transcript fractions', fractionsOption('noise'), d.noise)
    .option('--seeds <n>', 'seeds per noise level', intOption('seeds'), 3)
    .option('--first-seed <n>', 'first seed (seeds first..first+seeds-1)', intOption('first-seed'), 11)
    .option('--clips <n>', d.clips, intOption('clips'), DEMO_CLIPS)
    .option('--rounds <n>', 'refinement rounds', intOption('rounds'), 3)
    .option(
      '--pretrain-epochs <n>',
      "captioners' pre-training epochs (default: the demo's)",
      intOption('pretrain-epochs'),
    )
    .option(
      '--set <key=value>',
      'refine config override for every loop, dotted key and JSON value (e.g. folds=4, judge.epochs=80; null takes a field out, e.g. judge.init=null); repeatable',
      collectSetting,
    )
    .option('--dir <dir>', 'working directory for the datasets and jobs (a rerun resumes)', d.dir);
}

/** The experiment settings the shared flags give. */
export function loopSettings(o: LoopFlags): LoopSettings {
  return {
    noise: o.noise,
    seeds: Array.from({ length: o.seeds }, (_, i) => o.firstSeed + i),
    clips: o.clips,
    rounds: o.rounds,
    ...(o.pretrainEpochs !== undefined ? { pretrainEpochs: o.pretrainEpochs } : {}),
    ...(o.set ? { overrides: o.set } : {}),
    dir: o.dir,
  };
}
