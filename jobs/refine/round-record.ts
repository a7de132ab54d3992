/**
 * Assembles `metrics/round-<k>.json` from what a round produced: model versions, the dataset's
 * metrics, the model's held-out quality and its fit to its train clips, training curves and timings.
 */
import type { LoadedVersion } from '../../models/version.js';
import type { TruthJudge } from './dataset-metrics.js';
import type { RoundDownstream } from './downstream-eval.js';
import type { EvalResult, HeldoutRowsCheck } from './evaluate.js';
import type { RoundDataMetrics } from './round-data-meter.js';
import { modelContent, type RoundRecord } from './round-metrics.js';

/** Everything a round's record is made of. */
export interface RoundRecordInput {
  readonly round: number;
  readonly modelDir: string;
  readonly versions: readonly LoadedVersion[];
  readonly scorerVersions: string[];
  /** The round's rows measured as a dataset, beside the raw input (`RoundDataMeter`). */
  readonly data: RoundDataMetrics;
  readonly judge?: TruthJudge;
  readonly evalResult: EvalResult;
  readonly fit?: { readonly heldout: EvalResult; readonly train: EvalResult };
  readonly heldoutRows?: HeldoutRowsCheck;
  readonly downstream?: RoundDownstream;
  readonly trainingDataId: string;
  readonly seconds: RoundRecord['seconds'];
}

/** The round's record, as written to its metrics file (the file that marks the round done). */
export function roundRecord(o: RoundRecordInput): RoundRecord {
  const vm = o.versions[0].metrics;
  const content = o.judge ? modelContent(o.evalResult.captions, o.judge) : undefined;
  const fitHeldout = o.judge && o.fit ? modelContent(o.fit.heldout.captions, o.judge) : undefined;
  const fitTrain = o.judge && o.fit ? modelContent(o.fit.train.captions, o.judge) : undefined;
  const fit =
    fitHeldout && fitTrain
      ? {
          heldout: fitHeldout.accuracy,
          train: fitTrain.accuracy,
          heldoutClips: fitHeldout.errors.n,
          trainClips: fitTrain.errors.n,
        }
      : undefined;
  return {
    round: o.round,
    modelVersion: o.versions[0].manifest.contentHash,
    modelDir: o.modelDir,
    modelVersions: o.versions.map((v) => v.manifest.contentHash),
    scorerVersions: o.scorerVersions,
    ...o.data,
    ...(o.evalResult.model ? { modelQuality: o.evalResult.model } : {}),
    ...(content ? { modelContent: content } : {}),
    ...(fit ? { modelFit: fit } : {}),
    ...(o.evalResult.rawAsr ? { rawAsrQuality: o.evalResult.rawAsr } : {}),
    ...(o.heldoutRows ? { heldoutRows: o.heldoutRows } : {}),
    ...(o.downstream ? { downstream: o.downstream } : {}),
    pretrain: JSON.parse(String(vm.pretrain ?? '{}')) as RoundRecord['pretrain'],
    finetune: JSON.parse(String(vm.finetune ?? '{}')) as RoundRecord['finetune'],
    provider: String(vm.provider ?? 'unknown'),
    trainingDataId: o.trainingDataId,
    seconds: o.seconds,
    evalClips: o.evalResult.clips,
  };
}

/** What the job logs when a round is done: its dataset's headline figures. */
export function roundSummary(r: RoundRecord): Record<string, unknown> {
  return {
    round: r.round,
    content: r.dataset.quality?.contentAccuracy,
    rows: r.dataset.quantity.rows,
    kept_share: r.keptShare,
    chosen: r.adatailr.chosen,
  };
}
