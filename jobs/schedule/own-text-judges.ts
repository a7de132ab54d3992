/**
 * The judges of a tick that runs before any refine round has trained some: learnt from the tick's
 * own clips' text against their frames, as a refine job's round 0 learns its judges from the clips'
 * transcripts and titles before any caption is chosen.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Device } from '../../models/device.js';
import type { CaptionTokenizer } from '../../models/tokenizer.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { trainJudges } from '../refine/judges.js';
import { judgeDirName } from '../refine/layout.js';
import { type RoundStepsOptions, runRoundSteps } from '../refine/round.js';
import { TrainingSet, type TrainingCaches } from '../refine/training-set.js';

/** What {@link ownTextJudges} needs: the tick's round-step settings, and what training judges takes. */
export interface OwnTextJudgesOptions extends Pick<
  RoundStepsOptions,
  | 'config'
  | 'round'
  | 'manifestPath'
  | 'framesRun'
  | 'frameSpec'
  | 'vocabSize'
  | 'executor'
  | 'runConfig'
  | 'reporter'
  | 'signal'
> {
  /** The tick's folder: the candidates go to `own-text/`, the judges to `judges/`. */
  readonly tickDir: string;
  readonly caches: TrainingCaches;
  readonly tokenizer: CaptionTokenizer;
  readonly device: Device;
  readonly log: Logger;
}

/** Gathers the tick's clips' own text as candidates and trains `judge.ensemble` judges a fold on it; returns their dirs. */
export async function ownTextJudges(o: OwnTextJudgesOptions): Promise<string[]> {
  const { tickDir, caches, tokenizer, device, log, ...steps } = o;
  const own = join(tickDir, 'own-text');
  await runRoundSteps({ ...steps, runDir: own, writerVersion: 'text', gamma: 0 });
  const set = await TrainingSet.open({
    roundRun: new LocalStorage(own),
    framesRun: new LocalStorage(o.framesRun),
    scoreStage: 'none',
    ...caches,
  });
  return trainJudges({
    config: o.config,
    set,
    folds: o.config.folds,
    outDir: (f, m) => join(tickDir, 'judges', judgeDirName(f, m)),
    frameSpec: { count: o.frameSpec.count, width: o.frameSpec.width },
    tokenizer,
    seed: o.config.seed + o.round,
    trainingDataId: `tick-${o.round}-own-text`,
    device,
    log,
    ...(o.signal ? { signal: o.signal } : {}),
  });
}
