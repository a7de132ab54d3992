/** The bookkeeping fields of a round's metrics record that a test of something else does not look at. */
import type { RoundRecord } from '../../jobs/refine/round-metrics.js';

/** Model ids, training curves, provider and timings of a one-step round 0. */
export function roundBookkeeping(): Pick<
  RoundRecord,
  | 'round'
  | 'modelVersion'
  | 'modelDir'
  | 'modelVersions'
  | 'scorerVersions'
  | 'pretrain'
  | 'finetune'
  | 'provider'
  | 'trainingDataId'
  | 'seconds'
> {
  return {
    round: 0,
    modelVersion: 'f'.repeat(64),
    modelDir: 'models/round-0',
    modelVersions: ['f'.repeat(64)],
    scorerVersions: ['e'.repeat(64)],
    pretrain: { steps: 1, examples: 1, lossCurve: [1], gammaCurve: [0.3], rhoCurve: [0.2] },
    finetune: { steps: 0, examples: 0, lossCurve: [] },
    provider: 'cpu',
    trainingDataId: 'd'.repeat(64),
    seconds: { captionAndScore: 1, train: 1, eval: 1 },
  };
}
