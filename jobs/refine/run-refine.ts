/**
 * The refine job: extract frames once, then round after round caption → score/filter (AdaTaiLr)
 * → pre-train on the kept rows → fine-tune on the human examples → evaluate, each new model
 * captioning the next round. Every step is resumable: engine runs skip finished shards, model
 * versions are written atomically, and a round's metrics file (written last) marks it done.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import pino from 'pino';
import type { RefineConfig } from '../../config/refine.js';
import type { TruthMeasure } from '../../metrics/truth-measure.js';
import { Device } from '../../models/device.js';
import { loadTeacher } from '../../models/teacher/load.js';
import { loadVersion } from '../../models/version.js';
import { hashValue } from '../../pipeline/hash.js';
import type { Executor } from '../../pipeline/executor.js';
import { JsonReporter, type RunReporter } from '../../pipeline/reporter.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { workerCount } from '../../pipeline/thread-pool.js';
import type { AnyStageSpec } from '../../stages/specs.js';
import { readTruthMap, type TruthRow } from '../../schemas/truth.js';
import type { DownstreamProbe } from './downstream-eval.js';
import { extractJobFrames } from './frames-phase.js';
import { checkJob, readJson, withSignal as sig, writeJsonAtomic } from './job-files.js';
import { manifestRawClips, modelConfig, trainOrLoadTokenizer } from './job-inputs.js';
import { jobLayout, type JobLayout } from './layout.js';
import { evaluateRound, letFinish, startDownstream } from './round-eval.js';
import { roundRecord, roundSummary } from './round-record.js';
import {
  type RoundStepsOptions,
  runRoundSteps,
  type TrainCaptionerOptions,
  trainCaptioner,
  warmStart,
} from './round.js';
import { checkJudgeInit, trainJudges } from './judges.js';
import { judgeDataWarning } from './folds.js';
import { measureRoundRows } from './round-data-meter.js';
import { rawSide, type RawSide, type RoundRecord } from './round-metrics.js';
import { type TrainExample, TrainingSet, trainingCaches } from './training-set.js';

/** Options of {@link runRefine}. */
export interface RefineOptions {
  readonly signal?: AbortSignal;
  readonly log?: Logger;
  /** A fresh reporter for each engine run (default: JSON log lines; the CLI passes bars on a terminal). */
  readonly reporter?: () => RunReporter;
  /** Stop after this many rounds of this call (for tests of resume); the job is resumable anyway. */
  readonly stopAfterRounds?: number;
  /** Reads the content of captions against the truth table (handed in by the entry point); without it content metrics are absent. */
  readonly measure?: TruthMeasure;
  /** Where the engine runs the frames, caption and adatailr steps (default: this machine); training stays here. */
  readonly executor?: Executor<AnyStageSpec>;
  /** Runs `eval.downstream` (handed in by the entry point); without it the check is skipped with a warning. */
  readonly downstreamProbe?: DownstreamProbe;
}

/** What a refine call leaves behind. */
export interface RefineResult {
  readonly layout: JobLayout;
  readonly rounds: RoundRecord[];
  readonly finalModelDir: string;
}

/** Runs (or resumes) the refine job a config describes. */
export async function runRefine(config: RefineConfig, opts: RefineOptions = {}): Promise<RefineResult> {
  const l = jobLayout(config.run_dir);
  const log = opts.log ?? pino({ name: 'flywheel-refine' }, pino.destination(2));
  const reporter = opts.reporter ?? ((): RunReporter => new JsonReporter());
  await mkdir(l.dir, { recursive: true });
  const configHash = await checkJob(l, config);
  // a bad teacher folder stops the job here, before any shard runs
  if (config.model.teacher) await (await loadTeacher(config.model.teacher, { threads: 1 })).release();
  const device = new Device({
    providers: config.device.providers,
    intraOpThreads: config.device.threads,
    warn: (m) => log.warn(m),
  });
  const truth: Map<string, TruthRow> | undefined = config.truth ? await readTruthMap(config.truth) : undefined;
  const judge = truth ? { truth, ...(opts.measure ? { measure: opts.measure } : {}) } : undefined;
  if (config.eval.downstream && truth && !opts.downstreamProbe)
    log.warn('eval.downstream is set but no downstream probe was handed in: the check is skipped');

  const tok = await trainOrLoadTokenizer(l, config);
  const initVersion = config.model.init ? await loadVersion(config.model.init) : undefined;
  const mcfg = initVersion ? initVersion.config : modelConfig(config, tok);
  const K = config.folds;
  // a judge.init that cannot start this job's judges stops it here, before any frame is extracted
  checkJudgeInit(config, { count: mcfg.frames, size: mcfg.frameSize }, tok);

  // 1. frames, once for the whole job, at the model's input size
  const framesRun = new LocalStorage(l.framesRun);
  const frameSpec = { count: mcfg.frames, width: mcfg.frameSize, height: mcfg.frameSize };
  await extractJobFrames({
    config,
    ...(opts.executor ? { executor: opts.executor } : {}),
    runDir: l.framesRun,
    frameSpec,
    configHash,
    reporter: reporter(),
    ...sig(opts.signal),
  });
  const steps = (
    o: Omit<
      RoundStepsOptions,
      'config' | 'framesRun' | 'frameSpec' | 'reporter' | 'manifestPath' | 'vocabSize' | 'runConfig' | 'executor'
    > & { vocabSize?: number },
  ) =>
    runRoundSteps({
      config,
      framesRun: l.framesRun,
      frameSpec,
      ...(opts.executor ? { executor: opts.executor } : {}),
      reporter: reporter(),
      manifestPath: config.manifest,
      vocabSize: mcfg.vocabSize,
      runConfig: { refine: configHash },
      ...sig(opts.signal),
      ...o,
    });
  // one captioner per round (the judges are the cross-fitted ones)
  const train = (o: Pick<TrainCaptionerOptions, 'set' | 'outDir' | 'start' | 'seed' | 'trainingDataId' | 'label'>) =>
    trainCaptioner({ config, modelConfig: mcfg, tokenizer: tok, device, log, ...sig(opts.signal), ...o });

  // 2. the clips' own text as candidates, once: what the first judges (and, without model.init, the
  // first captioners) learn from
  const bootstrapDirs = [initVersion ? (config.model.init as string) : l.bootstrapModel];
  // round 0's captioners: none (the clips' own text only), or the init model when asked to caption
  const initWriters = initVersion && config.model.init_captions ? bootstrapDirs : undefined;
  const teacher = config.model.teacher ? { teacher: config.model.teacher } : {};
  await steps({ round: 0, runDir: l.bootstrapRun, writerVersion: 'text', gamma: 0, ...teacher });
  // a run's rows as a training set, with the caches the job's device allows
  const openSet = (run: string, o: { scoreStage?: string; textDropout?: number } = {}): Promise<TrainingSet> =>
    TrainingSet.open({ roundRun: new LocalStorage(run), framesRun, ...trainingCaches(config.device), ...o });
  // opened where it is used, so the job does not hold it past round 0
  const bootstrapSet = (): Promise<TrainingSet> =>
    openSet(l.bootstrapRun, { scoreStage: 'none', textDropout: config.train.text_dropout });
  if (!initVersion)
    await train({
      set: await bootstrapSet(),
      outDir: l.bootstrapModel,
      start: () => Promise.resolve(undefined),
      seed: config.seed,
      trainingDataId: `bootstrap:${configHash}`,
      label: 'bootstrap',
    });
  const judges = async (k: number, set: TrainingSet): Promise<string[]> =>
    trainJudges({
      config,
      set,
      folds: K,
      outDir: (f, m) => l.judge(k, f, m),
      frameSpec: { count: mcfg.frames, width: mcfg.frameSize },
      tokenizer: tok,
      seed: config.seed + 7919 * (k + 1),
      trainingDataId: `judge-${k}:${configHash}`,
      device,
      log,
      ...sig(opts.signal),
    });

  // the raw input's metrics, measured once when the first round runs (the same in every round)
  let raw: RawSide | undefined;
  const rawMetrics = async (): Promise<RawSide> => {
    if (raw) return raw;
    raw = await rawSide(manifestRawClips(config.manifest), judge);
    const thin = judgeDataWarning(raw.trainClips, K, config.judge.init !== undefined);
    if (thin) log.warn(thin);
    return raw;
  };
  const records: RoundRecord[] = [];
  let writers: string[] | undefined;
  let scorers = bootstrapDirs;
  let roundsThisCall = 0;
  for (let k = 0; k < config.rounds; k++) {
    const metricsPath = l.roundMetrics(k);
    if (existsSync(metricsPath)) {
      records.push(await readJson<RoundRecord>(metricsPath));
      writers = [l.roundModel(k)];
      scorers = config.adatailr.scorer === 'bootstrap' ? bootstrapDirs : writers;
      continue;
    }
    if (opts.stopAfterRounds !== undefined && roundsThisCall >= opts.stopAfterRounds) break;
    opts.signal?.throwIfAborted();
    const rawInput = await rawMetrics();
    const roundWriters = writers ?? initWriters;
    const writerVersions = roundWriters
      ? await Promise.all(roundWriters.map(async (d) => (await loadVersion(d)).manifest.contentHash))
      : [];
    const scorerVersions = await Promise.all(scorers.map(async (d) => (await loadVersion(d)).manifest.contentHash));
    const gamma =
      config.adatailr.gamma === 'model'
        ? Number((await loadVersion(scorers[0])).metrics.final_gamma ?? 0)
        : config.adatailr.gamma;
    // the judges that choose this round's captions, trained on the data as the round finds it
    const judgeDirs = await judges(k, k === 0 ? await bootstrapSet() : await openSet(l.roundRun(k - 1)));
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
    const roundRun = await steps({
      round: k,
      runDir: l.roundRun(k),
      writerVersion: writerVersions.length ? hashValue(writerVersions) : 'text',
      ...(roundWriters ? { writers: roundWriters } : {}),
      scorers,
      judges: judgeDirs,
      ...(k > 0 ? { previousRun: l.roundRun(k - 1) } : {}),
      ...(k === 0 ? teacher : {}),
      gamma,
    });
    const t1 = performance.now();

    // b. train this round's models on the chosen rows (one per fold), warm-started from the last ones
    const set = await openSet(l.roundRun(k), { textDropout: config.train.text_dropout });
    const trainingDataId = hashValue({ run: roundRun.run_id, config: configHash, round: k });
    let rowsRead: Promise<TrainExample[]> | undefined; // read at most once, by whichever check needs them first
    const evalInput = {
      config,
      round: k,
      roundRun: new LocalStorage(l.roundRun(k)),
      framesRun,
      framesRunDir: l.framesRun,
      modelDir: l.roundModel(k),
      device,
      rows: () => (rowsRead ??= set.all()),
      tokenizer: tok,
      ...(truth ? { truth } : {}),
      ...(opts.measure ? { measure: opts.measure } : {}),
      ...(opts.downstreamProbe ? { probe: opts.downstreamProbe } : {}),
      ...sig(opts.signal),
    };
    // the downstream probe reads only the round's rows: it trains beside the captioner when workers allow
    const probe = startDownstream(evalInput, workerCount(config.device.workers) - 1);
    // round 0 starts from the bootstrap model, or from model.init when one is given (train.warm_start)
    await letFinish(
      train({
        set,
        outDir: l.roundModel(k),
        start: () => warmStart(config, (writers ?? bootstrapDirs)[0]),
        seed: config.seed + k + 1,
        trainingDataId,
        label: `round ${k}`,
      }),
      probe,
    );
    const t2 = performance.now();
    const versions = [await loadVersion(l.roundModel(k))];

    // c. the model's held-out quality, and the downstream probe's scores when asked for
    const { evalResult, fit, downstream } = await evaluateRound({
      ...evalInput,
      ...(probe ? { downstream: probe } : {}),
    });
    const t3 = performance.now();
    const data = await measureRoundRows(set.examples(), rawInput, judge);
    const record = roundRecord({
      round: k,
      modelDir: l.roundModel(k),
      versions,
      scorerVersions,
      data,
      ...(judge ? { judge } : {}),
      evalResult,
      ...(fit ? { fit } : {}),
      ...(downstream ? { downstream } : {}),
      trainingDataId,
      seconds: { captionAndScore: (t1 - t0) / 1000, train: (t2 - t1) / 1000, eval: (t3 - t2) / 1000 },
    });
    await writeJsonAtomic(metricsPath, record);
    log.info(roundSummary(record), 'round finished');
    records.push(record);
    writers = [l.roundModel(k)];
    scorers = config.adatailr.scorer === 'bootstrap' ? bootstrapDirs : writers;
    roundsThisCall++;
  }
  return { layout: l, rounds: records, finalModelDir: writers ? writers[0] : bootstrapDirs[0] };
}
