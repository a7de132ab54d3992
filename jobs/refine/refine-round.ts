/**
 * One round of a refine job, from the models the last round left to the round's metrics file:
 * train the judges on the data as the round finds it, gather and choose the captions, train the
 * round's captioner (the downstream probe beside it when workers allow), evaluate, and measure the
 * chosen rows as a dataset. `run-refine.ts` sets the job up and calls this round after round.
 */
import type { Logger } from 'pino';
import type { RefineConfig } from '../../config/refine.js';
import type { TruthMeasure } from '../../metrics/truth-measure.js';
import type { Device } from '../../models/device.js';
import type { TeacherConfig } from '../../models/teacher/config.js';
import type { CaptionTokenizer } from '../../models/tokenizer.js';
import { loadVersion } from '../../models/version.js';
import { hashValue } from '../../pipeline/hash.js';
import type { RunMeta } from '../../pipeline/ledger.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { workerCount } from '../../pipeline/thread-pool.js';
import type { TruthRow } from '../../schemas/truth.js';
import type { TruthJudge } from './dataset-metrics.js';
import type { DownstreamProbe } from './downstream-eval.js';
import { withSignal as sig, writeJsonAtomic } from './job-files.js';
import type { JobLayout } from './layout.js';
import type { RawSide } from './raw-side.js';
import { measureRoundRows } from './round-data-meter.js';
import { evaluateRound, letFinish, startDownstream } from './round-eval.js';
import type { RoundRecord } from './round-metrics.js';
import { roundRecord, roundSummary } from './round-record.js';
import { type RoundStepsOptions, type TrainCaptionerOptions, warmStart } from './round.js';
import type { TrainExample, TrainingSet } from './training-set.js';

/** What a round passes to its job's candidate and choice steps (the job fills in the rest). */
export type RoundStepsCall = Omit<
  RoundStepsOptions,
  'config' | 'framesRun' | 'frameSpec' | 'reporter' | 'manifestPath' | 'vocabSize' | 'runConfig' | 'executor'
>;

/** What a round passes to its job's captioner training (the job fills in the model, tokenizer and device). */
export type CaptionerCall = Pick<
  TrainCaptionerOptions,
  'set' | 'outDir' | 'start' | 'seed' | 'trainingDataId' | 'label'
>;

/** What every round of a job shares: the job's settings, inputs and the steps it composes. */
export interface RefineJobContext {
  readonly config: RefineConfig;
  readonly layout: JobLayout;
  /** The job's copy of its manifest (`pinned-manifest.ts`): what every read of its clips reads. */
  readonly manifest: string;
  readonly configHash: string;
  readonly log: Logger;
  readonly device: Device;
  readonly tokenizer: CaptionTokenizer;
  readonly framesRun: LocalStorage;
  /** Round 0's teacher, when the job has one. */
  readonly teacher?: TeacherConfig;
  readonly truth?: Map<string, TruthRow>;
  /** The truth and its reader, for the dataset's content metrics (measuring only). */
  readonly judge?: TruthJudge;
  readonly measure?: TruthMeasure;
  readonly downstreamProbe?: DownstreamProbe;
  readonly signal?: AbortSignal;
  /** Runs (or resumes) a round's candidate and choice steps. */
  readonly steps: (o: RoundStepsCall) => Promise<RunMeta>;
  /** Trains (or finds) one captioner. */
  readonly train: (o: CaptionerCall) => Promise<void>;
  /** Trains (or finds) round `k`'s judges on `set`; returns their dirs. */
  readonly judges: (k: number, set: TrainingSet) => Promise<string[]>;
  /** A run's rows as a training set, with the caches the job's device allows. */
  readonly openSet: (run: string, o?: { scoreStage?: string; textDropout?: number }) => Promise<TrainingSet>;
  /** The clips' own text as a training set (what round 0's judges learn from). */
  readonly bootstrapSet: () => Promise<TrainingSet>;
  /** The raw input's metrics, measured once for the job. */
  readonly rawInput: () => Promise<RawSide>;
  /** The models round 0 starts from: the bootstrap model, or `model.init`. */
  readonly bootstrapDirs: readonly string[];
}

/** The models a round starts from: last round's captioner (absent in round 0) and who scores its rows. */
export interface RoundModels {
  /** Model dirs that write this round's synthetic candidates; absent = the clips' own text only. */
  readonly writers?: readonly string[];
  readonly scorers: readonly string[];
}

/** Which models score round `k + 1`'s rows once round `k`'s captioner is `writers`. */
export function nextScorers(job: RefineJobContext, writers: readonly string[]): readonly string[] {
  return job.config.adatailr.scorer === 'bootstrap' ? job.bootstrapDirs : writers;
}

/** Runs round `k` of the job from `models` and writes its metrics file (the mark that it is done); returns its record. */
export async function runRefineRound(job: RefineJobContext, k: number, models: RoundModels): Promise<RoundRecord> {
  const { config, layout: l, log } = job;
  const { writers, scorers } = models;
  const rawInput = await job.rawInput();
  const writerVersions = writers
    ? await Promise.all(writers.map(async (d) => (await loadVersion(d)).manifest.contentHash))
    : [];
  const scorerVersions = await Promise.all(scorers.map(async (d) => (await loadVersion(d)).manifest.contentHash));
  const gamma =
    config.adatailr.gamma === 'model'
      ? Number((await loadVersion(scorers[0])).metrics.final_gamma ?? 0)
      : config.adatailr.gamma;
  // the judges that choose this round's captions, trained on the data as the round finds it
  const judgeDirs = await job.judges(k, k === 0 ? await job.bootstrapSet() : await job.openSet(l.roundRun(k - 1)));
  log.info(
    {
      round: k,
      writers: writerVersions.map((v) => v.slice(0, 12)),
      scorers: scorerVersions.map((v) => v.slice(0, 12)),
      gamma,
    },
    'round started',
  );

  // a. gather candidates (the clip's text; the previous round's choice and the models' captions after
  // round 0, or from round 0 with model.init_captions) and choose
  const t0 = performance.now();
  const roundRun = await job.steps({
    round: k,
    runDir: l.roundRun(k),
    writerVersion: writerVersions.length ? hashValue(writerVersions) : 'text',
    ...(writers ? { writers } : {}),
    scorers,
    judges: judgeDirs,
    ...(k > 0 ? { previousRun: l.roundRun(k - 1) } : {}),
    ...(k === 0 && job.teacher ? { teacher: job.teacher } : {}),
    gamma,
  });
  const t1 = performance.now();

  // b. train this round's captioner on the chosen rows, warm-started from the last one
  const set = await job.openSet(l.roundRun(k), { textDropout: config.train.text_dropout });
  const trainingDataId = hashValue({ run: roundRun.run_id, config: job.configHash, round: k });
  let rowsRead: Promise<TrainExample[]> | undefined; // read at most once, by whichever check needs them first
  const evalInput = {
    config,
    manifest: job.manifest,
    round: k,
    roundRun: new LocalStorage(l.roundRun(k)),
    framesRun: job.framesRun,
    framesRunDir: l.framesRun,
    modelDir: l.roundModel(k),
    device: job.device,
    rows: () => (rowsRead ??= set.all()),
    tokenizer: job.tokenizer,
    ...(job.truth ? { truth: job.truth } : {}),
    ...(job.measure ? { measure: job.measure } : {}),
    ...(job.downstreamProbe ? { probe: job.downstreamProbe } : {}),
    ...sig(job.signal),
  };
  // the downstream probe reads only the round's rows: it trains beside the captioner when workers allow
  const probe = startDownstream(evalInput, workerCount(config.device.workers) - 1);
  // round 0 starts from the bootstrap model, or from model.init when one is given (train.warm_start)
  const previous = k > 0 ? l.roundModel(k - 1) : job.bootstrapDirs[0];
  await letFinish(
    job.train({
      set,
      outDir: l.roundModel(k),
      start: () => warmStart(config, previous),
      seed: config.seed + k + 1,
      trainingDataId,
      label: `round ${k}`,
    }),
    probe,
  );
  const t2 = performance.now();
  const versions = [await loadVersion(l.roundModel(k))];

  // c. the model's held-out quality, and the downstream probe's scores when asked for
  const { evalResult, fit, heldoutRows, downstream } = await evaluateRound({
    ...evalInput,
    ...(probe ? { downstream: probe } : {}),
  });
  const t3 = performance.now();
  const data = await measureRoundRows(set.examples(), rawInput, job.judge);
  const record = roundRecord({
    round: k,
    modelDir: l.roundModel(k),
    versions,
    scorerVersions,
    data,
    ...(job.judge ? { judge: job.judge } : {}),
    evalResult,
    ...(fit ? { fit } : {}),
    heldoutRows,
    ...(downstream ? { downstream } : {}),
    trainingDataId,
    seconds: { captionAndScore: (t1 - t0) / 1000, train: (t2 - t1) / 1000, eval: (t3 - t2) / 1000 },
  });
  await writeJsonAtomic(l.roundMetrics(k), record);
  log.info(roundSummary(record), 'round finished');
  return record;
}
