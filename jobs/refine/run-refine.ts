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
import type { Executor } from '../../pipeline/executor.js';
import { JsonReporter, type RunReporter } from '../../pipeline/reporter.js';
import { describeHolder, isHeld, lockJob } from '../../pipeline/job-lock.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { readRunMeta } from '../../pipeline/ledger.js';
import type { AnyStageSpec } from '../../stages/specs.js';
import { readTruthMap } from './truth-file.js';
import { type TruthRow } from '../../schemas/truth.js';
import type { DownstreamProbe } from './downstream-eval.js';
import { judgeDataWarning } from './folds.js';
import { extractJobFrames } from './frames-phase.js';
import { checkJob, readJson, withSignal as sig } from './job-files.js';
import { manifestRawClips, modelConfig, tokenizerTexts, trainOrLoadTokenizer } from './job-inputs.js';
import { checkJudgeInit } from './judge-training.js';
import { trainJudges } from './judges.js';
import { jobLayout, type JobLayout } from './layout.js';
import { rawSide, type RawSide } from './raw-side.js';
import { type PinnedManifest, pinManifest } from './pinned-manifest.js';
import { nextScorers, type RefineJobContext, runRefineRound } from './refine-round.js';
import type { RoundRecord } from './round-metrics.js';
import { runRoundSteps, trainCaptioner } from './round.js';
import { measureTokenizerFit, tokenizerFitWarnings } from './tokenizer-fit.js';
import { TrainingSet, trainingCaches } from './training-set.js';

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
  /** The job's copy of its manifest, and whether the source has changed since it was copied. */
  readonly manifest: PinnedManifest;
}

/** Runs (or resumes) the refine job a config describes; one at a time per job folder, refused while another runs. */
export async function runRefine(config: RefineConfig, opts: RefineOptions = {}): Promise<RefineResult> {
  const l = jobLayout(config.run_dir);
  const log = opts.log ?? pino({ name: 'flywheel-refine' }, pino.destination(2));
  const reporter = opts.reporter ?? ((): RunReporter => new JsonReporter());
  await mkdir(l.dir, { recursive: true });
  const lock = await lockJob(l.dir, 'refine', {
    onLost: (err) => log.error({ err }, 'the job lock was lost: another refine could start on this job'),
  });
  if (!isHeld(lock))
    throw new Error(
      `${l.dir}: another refine is running this job (${describeHolder(lock)}); wait for it or stop it (lock: ${lock.path})`,
    );
  try {
    return await refineLocked(config, opts, l, log, reporter);
  } finally {
    await lock.release();
  }
}

async function refineLocked(
  config: RefineConfig,
  opts: RefineOptions,
  l: JobLayout,
  log: Logger,
  reporter: () => RunReporter,
): Promise<RefineResult> {
  const { hash: configHash, startedWithRounds } = await checkJob(l, config);
  if (startedWithRounds !== undefined)
    log.info(
      { started_with_rounds: startedWithRounds, rounds: config.rounds },
      `the job was started with ${startedWithRounds} rounds and now runs to ${config.rounds}: finished rounds stay as they are`,
    );
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

  // every read of the job's clips reads its own copy of the manifest, taken when it started
  // (a job started before jobs kept a copy has its frames run's record of the manifest it read)
  const started = (await readRunMeta(new LocalStorage(l.framesRun)))?.manifest.sha256;
  const pinned = await pinManifest(l, config.manifest, { log, ...(started ? { started } : {}) });
  const manifest = pinned.path;
  const tok = await trainOrLoadTokenizer(l, config, manifest);
  const initVersion = config.model.init ? await loadVersion(config.model.init) : undefined;
  const mcfg = initVersion ? initVersion.config : modelConfig(config, tok);
  // a judge.init that cannot start this job's judges stops it here, before any frame is extracted
  checkJudgeInit(config, { count: mcfg.frames, size: mcfg.frameSize }, tok);
  const fit = await measureTokenizerFit(tok, mcfg, tokenizerTexts(manifest));
  for (const w of tokenizerFitWarnings(fit, mcfg, initVersion ? 'model.init' : 'job')) log.warn(w);

  // 1. frames, once for the whole job, at the model's input size
  const framesRun = new LocalStorage(l.framesRun);
  const frameSpec = { count: mcfg.frames, width: mcfg.frameSize, height: mcfg.frameSize };
  await extractJobFrames({
    config,
    manifest,
    ...(opts.executor ? { executor: opts.executor } : {}),
    runDir: l.framesRun,
    frameSpec,
    configHash,
    reporter: reporter(),
    ...sig(opts.signal),
  });
  // the models round 0 starts from: the bootstrap model (trained below), or model.init
  const bootstrapDirs = [initVersion ? (config.model.init as string) : l.bootstrapModel];
  // a run's rows as a training set, with the caches the job's device allows
  const openSet: RefineJobContext['openSet'] = (run, o = {}) =>
    TrainingSet.open({ roundRun: new LocalStorage(run), framesRun, ...trainingCaches(config.device), ...o });
  // the raw input's metrics, measured once when the first round runs (the same in every round)
  let raw: Promise<RawSide> | undefined;
  const job: RefineJobContext = {
    config,
    layout: l,
    manifest,
    configHash,
    log,
    device,
    tokenizer: tok,
    framesRun,
    ...(config.model.teacher ? { teacher: config.model.teacher } : {}),
    ...(truth ? { truth } : {}),
    ...(judge ? { judge } : {}),
    ...(opts.measure ? { measure: opts.measure } : {}),
    ...(opts.downstreamProbe ? { downstreamProbe: opts.downstreamProbe } : {}),
    ...sig(opts.signal),
    steps: (o) =>
      runRoundSteps({
        config,
        framesRun: l.framesRun,
        frameSpec,
        ...(opts.executor ? { executor: opts.executor } : {}),
        reporter: reporter(),
        manifestPath: manifest,
        vocabSize: mcfg.vocabSize,
        runConfig: { refine: configHash },
        ...sig(opts.signal),
        ...o,
      }),
    // one captioner per round (the judges are the cross-fitted ones)
    train: (o) => trainCaptioner({ config, modelConfig: mcfg, tokenizer: tok, device, log, ...sig(opts.signal), ...o }),
    judges: (k, set) =>
      trainJudges({
        config,
        set,
        folds: config.folds,
        outDir: (f, m) => l.judge(k, f, m),
        frameSpec: { count: mcfg.frames, width: mcfg.frameSize },
        tokenizer: tok,
        seed: config.seed + 7919 * (k + 1),
        trainingDataId: `judge-${k}:${configHash}`,
        device,
        log,
        ...sig(opts.signal),
      }),
    openSet,
    // opened where it is used, so the job does not hold it past round 0
    bootstrapSet: () => openSet(l.bootstrapRun, { scoreStage: 'none', textDropout: config.train.text_dropout }),
    rawInput: () =>
      (raw ??= rawSide(manifestRawClips(manifest), judge).then((side) => {
        const thin = judgeDataWarning(side.trainClips, config.folds, config.judge.init !== undefined);
        if (thin) log.warn(thin);
        return side;
      })),
    bootstrapDirs,
  };

  // 2. the clips' own text as candidates, once: what the first judges (and, without model.init, the
  // first captioners) learn from
  await job.steps({
    round: 0,
    runDir: l.bootstrapRun,
    writerVersion: 'text',
    gamma: 0,
    ...(job.teacher ? { teacher: job.teacher } : {}),
  });
  if (!initVersion)
    await job.train({
      set: await job.bootstrapSet(),
      outDir: l.bootstrapModel,
      start: () => Promise.resolve(undefined),
      seed: config.seed,
      trainingDataId: `bootstrap:${configHash}`,
      label: 'bootstrap',
    });

  // 3. round after round; round 0's captioners: none (the clips' own text only), or the init model when asked to caption
  const initWriters = initVersion && config.model.init_captions ? bootstrapDirs : undefined;
  const records: RoundRecord[] = [];
  let writers: readonly string[] | undefined;
  let roundsThisCall = 0;
  for (let k = 0; k < config.rounds; k++) {
    const scorers = writers ? nextScorers(job, writers) : bootstrapDirs;
    const metricsPath = l.roundMetrics(k);
    if (existsSync(metricsPath)) records.push(await readJson<RoundRecord>(metricsPath));
    else {
      if (opts.stopAfterRounds !== undefined && roundsThisCall >= opts.stopAfterRounds) break;
      opts.signal?.throwIfAborted();
      const roundWriters = writers ?? initWriters;
      records.push(await runRefineRound(job, k, { ...(roundWriters ? { writers: roundWriters } : {}), scorers }));
      roundsThisCall++;
    }
    writers = [l.roundModel(k)];
  }
  return { layout: l, rounds: records, finalModelDir: writers ? writers[0] : bootstrapDirs[0], manifest: pinned };
}
