/**
 * One `schedule` tick: under an inter-process lock, find the manifest's clips no earlier tick (and
 * no refine round) has processed, and those whose video gave no frames and has changed since
 * (`new-clips.ts`, in memory that does not grow with the job; `retry.ts`), run them through frames →
 * caption → adatailr with the current model, export them, and optionally retrain every K ticks (on
 * the refine job's last round's rows and every tick's: `retrainingParts`, their frames extracted
 * again first where they were deleted: `tick-frames.ts`). A tick that died is
 * resumed by the next call (its clip list is fixed when it starts), so every clip is processed
 * exactly once (a clip whose video failed, once more after its file is replaced).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import pino from 'pino';
import { Device } from '../../models/device.js';
import { loadVersion } from '../../models/version.js';
import { rowsToBatch } from '../../schemas/arrow.js';
import { writeFileAtomic } from '../../pipeline/atomic-write.js';
import { hashValue } from '../../pipeline/hash.js';
import { describeHolder, isHeld, lockJob } from '../../pipeline/job-lock.js';
import { parquetBytes } from '../../pipeline/parquet.js';
import { JsonReporter, type RunReporter } from '../../pipeline/reporter.js';
import { type Executor, localExecutor } from '../../pipeline/executor.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { clipsSchema } from '../../schemas/clips.js';
import { type AnyStageSpec, buildStages } from '../../stages/index.js';
import { exportRun } from '../export/export-round.js';
import { hashedPart } from '../../config/marks.js';
import { type RefineConfig, refineConfigSchema, tickRefineConfig } from '../../config/refine.js';
import { finishedRoundNumbers, freeField, jobConfigChanges } from '../refine/job-files.js';
import { jobLayout } from '../refine/layout.js';
import { listChanges } from '../../pipeline/config-changes.js';
import { ownTextJudges } from './own-text-judges.js';
import { failedVideos } from './retry.js';
import { newClips } from './new-clips.js';
import { wholeDatasetAfterTick } from './whole-dataset.js';
import { extractTickFrames, restoreRetrainingFrames } from './tick-frames.js';
import {
  clipIdsOfRun,
  currentJudges,
  currentModels,
  retrainingParts,
  scheduleLayout,
  tickNumbers,
} from './tick-state.js';
import { runRoundSteps, trainCaptioner, warmStart } from '../refine/round.js';
import { tokenizerTexts } from '../refine/job-inputs.js';
import { measureTokenizerFit, tokenizerFitWarnings } from '../refine/tokenizer-fit.js';
import { TrainingSet, trainingCaches } from '../refine/training-set.js';

/** Options of {@link runTick}. */
export interface TickOptions {
  /** Retrain the current model every this many ticks (0 = never). Default 0. */
  readonly retrainEvery?: number;
  readonly log?: Logger;
  readonly reporter?: () => RunReporter;
  /** Where the frames, caption and adatailr steps run (default: this machine); training stays here. */
  readonly executor?: Executor<AnyStageSpec>;
  readonly signal?: AbortSignal;
  /** After the tick, write the job's whole dataset (`whole-dataset.ts`): true = its versioned folder, a path = that folder. */
  readonly wholeDataset?: true | string;
}

/** What a tick did. */
export type TickResult =
  | { readonly status: 'locked' }
  | { readonly status: 'no-new-clips' }
  | {
      readonly status: 'done';
      readonly tick: number;
      readonly clips: number;
      readonly exported: number;
      /** Clips the tick's choice left out (in its export's `dropped/`). */
      readonly dropped: number;
      /** Clips it could not process, a missing or broken video say (in its export's `errors/`): what a nightly alert watches. */
      readonly errors: number;
      readonly resumed: boolean;
      readonly retrained: boolean;
      readonly model: string;
      /** Wall-clock seconds this call took (a resumed tick: since it resumed), for a nightly monitor. */
      readonly seconds: number;
      /** Of those, the seconds the retraining took (0 when the tick did not retrain). */
      readonly trainSeconds: number;
      /** Frames runs the retraining extracted again first, deleted since (0 normally): why a night took long. */
      readonly framesRestored: number;
      /** With `wholeDataset`: where the job's whole dataset was written after the tick. */
      readonly dataset?: string;
    };

/** Seconds since `t0` (a `performance.now()`), to a tenth. */
const seconds = (t0: number): number => Math.round((performance.now() - t0) / 100) / 10;

/** Runs one tick (see the module comment). Returns `locked` at once when another tick holds the lock. */
export async function runTick(config: RefineConfig, opts: TickOptions = {}): Promise<TickResult> {
  const log = opts.log ?? pino({ name: 'flywheel-schedule' }, pino.destination(2));
  const s = scheduleLayout(config.run_dir);
  await mkdir(s.dir, { recursive: true });
  const lock = await lockJob(s.dir, 'tick', {
    onLost: (err) => log.error({ err }, 'the tick lock was lost: another tick could start'),
  });
  if (!isHeld(lock)) {
    log.warn(
      { lock: lock.path, holder: describeHolder(lock) },
      'another tick is running: this tick is skipped, not stacked',
    );
    return { status: 'locked' };
  }
  try {
    const r = await tickLocked(config, opts, log);
    const dataset =
      opts.wholeDataset && (await wholeDatasetAfterTick(config.run_dir, opts.wholeDataset, r.status === 'done'));
    if (dataset) log.info({ dataset }, 'the whole dataset written');
    return r.status === 'done' && dataset ? { ...r, dataset } : r;
  } finally {
    await lock.release();
  }
}

async function tickLocked(config: RefineConfig, opts: TickOptions, log: Logger): Promise<TickResult> {
  const t0 = performance.now();
  const s = scheduleLayout(config.run_dir);
  // a night refines under its job's rule: only the manifest (the new clips) and the round count may differ
  const changed = await jobConfigChanges(jobLayout(config.run_dir), config, (p) => p[0] === 'manifest' || freeField(p));
  if (changed.length)
    throw new Error(
      `schedule: refusing to tick ${config.run_dir}: its refine job was started with another config: ${listChanges(changed)}. Put those back, or use a new run_dir.`,
    );
  const ticks = await tickNumbers(s.dir);
  const unfinished = ticks.find((n) => !existsSync(s.tickDone(n)));
  let tick: number;
  let resumed = false;
  if (unfinished !== undefined && existsSync(s.tickManifest(unfinished))) {
    tick = unfinished;
    resumed = true;
    log.info({ tick }, 'resuming an interrupted tick');
  } else {
    const finished = ticks.filter((n) => existsSync(s.tickDone(n)));
    const lastRound = (await finishedRoundNumbers(jobLayout(config.run_dir))).at(-1);
    const {
      clips: fresh,
      retried,
      processed,
    } = await newClips({
      manifest: config.manifest,
      processedRuns: [jobLayout(config.run_dir).roundRun(0), ...finished.map((n) => s.tickRun(n))],
      // clips whose video gave no frames, oldest attempt first: the refine job's, then each finished tick's
      failed: await failedVideos([jobLayout(config.run_dir).framesRun, ...finished.map((n) => s.tickFrames(n))], {
        ...(lastRound !== undefined ? { roundRun: jobLayout(config.run_dir).roundRun(lastRound) } : {}),
      }),
      mediaRoot: config.media_root,
      scratchDir: s.newClipsScratch,
    });
    if (retried > 0) log.info({ retried }, 'clips whose video failed and has changed since are taken again');
    if (fresh.length === 0) {
      log.info({ manifest: config.manifest, processed }, 'no new clips');
      return { status: 'no-new-clips' };
    }
    tick = unfinished ?? (ticks.length ? ticks[ticks.length - 1] + 1 : 0);
    await mkdir(s.tickDir(tick), { recursive: true });
    await writeFileAtomic(s.tickManifest(tick), parquetBytes(clipsSchema, [rowsToBatch(clipsSchema, fresh)]));
    log.info({ tick, clips: fresh.length }, 'tick started');
  }

  const modelDirs = await currentModels(config);
  const version = await loadVersion(modelDirs[0]);
  // new clips worded unlike the text the current model learned from are captioned and judged worse
  const fit = await measureTokenizerFit(version.tokenizer, version.config, tokenizerTexts(s.tickManifest(tick)));
  for (const w of tokenizerFitWarnings(fit, version.config, 'tick')) log.warn({ tick }, w);
  const device = new Device({
    providers: config.device.providers,
    intraOpThreads: config.device.threads,
    warn: (m) => log.warn(m),
  });
  const reporter = opts.reporter ?? ((): RunReporter => new JsonReporter());
  const runConfig = {
    schedule: hashValue(hashedPart(refineConfigSchema, config)),
    models: await Promise.all(modelDirs.map(async (d) => (await loadVersion(d)).manifest.contentHash)),
  };
  const spec = { count: version.config.frames, width: version.config.frameSize, height: version.config.frameSize };
  const executor = opts.executor ?? localExecutor((specs: readonly AnyStageSpec[]) => buildStages(specs));
  const framesOpts = { config, spec, runConfig, executor, reporter, ...(opts.signal ? { signal: opts.signal } : {}) };
  const every = opts.retrainEvery ?? 0;
  const retrain = every > 0 && (tick + 1) % every === 0;
  // frames deleted to free disk are extracted again before the night's work, not missed after it
  const restored = retrain ? await restoreRetrainingFrames(tick, { ...framesOpts, log }) : [];
  await extractTickFrames(tick, framesOpts);
  const caches = trainingCaches(config.device);
  const gamma = config.adatailr.gamma === 'model' ? Number(version.metrics.final_gamma ?? 0) : config.adatailr.gamma;
  // the judges: the refine job's latest, or — before any refine round — ones trained on these clips' own text
  const judges =
    (await currentJudges(config)) ??
    (await ownTextJudges({
      config,
      round: tick,
      tickDir: s.tickDir(tick),
      manifestPath: s.tickManifest(tick),
      framesRun: s.tickFrames(tick),
      frameSpec: spec,
      vocabSize: version.config.vocabSize,
      runConfig,
      executor,
      reporter: reporter(),
      caches,
      tokenizer: version.tokenizer,
      device,
      log,
      ...(opts.signal ? { signal: opts.signal } : {}),
    }));
  // the same round as refine's, over the tick's new clips, with the current models (none trained on them)
  await runRoundSteps({
    // the job's choice rule, with the title margin of a clip's only pass (`tick_title_margin`)
    config: tickRefineConfig(config),
    round: tick,
    runDir: s.tickRun(tick),
    manifestPath: s.tickManifest(tick),
    framesRun: s.tickFrames(tick),
    frameSpec: spec,
    writers: modelDirs,
    writerVersion: hashValue(runConfig.models),
    scorers: modelDirs,
    judges,
    gamma,
    vocabSize: version.config.vocabSize,
    runConfig,
    executor,
    reporter: reporter(),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const exported = await exportRun({
    run: new LocalStorage(s.tickRun(tick)),
    frames: new LocalStorage(s.tickFrames(tick)),
    // the export says which tick, and which round the tick followed (a row's `round` never means a tick)
    round: (await finishedRoundNumbers(jobLayout(config.run_dir))).at(-1) ?? -1,
    tick,
    configHash: hashValue(hashedPart(refineConfigSchema, config)),
    choiceRule: tickRefineConfig(config).adatailr.choice,
    rounds: [],
    outDir: s.tickExport(tick),
  });

  let retrained = false;
  let model = modelDirs[0];
  let trainSeconds = 0;
  if (retrain) {
    const t1 = performance.now();
    const { parts, id } = await retrainingParts(config.run_dir, tick);
    const set = await TrainingSet.openParts(parts, { ...caches, textDropout: config.train.text_dropout });
    await trainCaptioner({
      config,
      set,
      outDir: s.model(tick),
      // from the current model, model.init or fresh weights, as a refine round would (train.warm_start)
      start: () => warmStart(config, modelDirs[0]),
      modelConfig: version.config,
      tokenizer: version.tokenizer,
      seed: config.seed + tick,
      trainingDataId: `tick-${tick}:${id}:${exported.metadata.dataset_id}`,
      device,
      log,
      label: `tick ${tick}`,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    retrained = true;
    model = s.model(tick);
    trainSeconds = seconds(t1);
  }
  const clips = (await clipIdsOfRun(s.tickRun(tick))).length;
  const { rows, dropped, errors } = exported.metadata;
  const result = {
    status: 'done' as const,
    tick,
    clips,
    exported: rows,
    dropped,
    errors,
    resumed,
    retrained,
    model,
    seconds: seconds(t0),
    trainSeconds,
    framesRestored: restored.length,
  };
  await writeFileAtomic(
    s.tickDone(tick),
    `${JSON.stringify({ ...result, finished_at: new Date().toISOString() }, null, 2)}\n`,
  );
  log.info(result, 'tick finished');
  return result;
}
