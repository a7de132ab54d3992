/**
 * The refine job: extract frames once, then round after round caption → score/filter (AdaTaiLr)
 * → pre-train on the kept rows → fine-tune on the human examples → evaluate, each new model
 * captioning the next round. Every step is resumable: engine runs skip finished shards, model
 * versions are written atomically, and a round's metrics file (written last) marks it done.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import pino from 'pino';
import { readTruthMap, type TruthRow } from '../../datagen/truth.js';
import { makeConfig, type CaptionerConfig } from '../../models/captioner/config.js';
import { Device } from '../../models/device.js';
import { Captioner } from '../../models/inference.js';
import { createModel, type CaptionerModel } from '../../models/model.js';
import { CaptionTokenizer } from '../../models/tokenizer.js';
import { loadVersion, saveVersion } from '../../models/version.js';
import { hashValue } from '../../pipeline/hash.js';
import { readManifest } from '../../pipeline/manifest/index.js';
import { defaultReporter, type RunReporter } from '../../pipeline/reporter.js';
import { runLocal } from '../../pipeline/runner.js';
import type { AnyStage } from '../../pipeline/stage.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { adatailrStage } from '../../stages/adatailr/stage.js';
import { attachFramesStage } from '../../stages/attach-frames/stage.js';
import { captionStage } from '../../stages/caption/stage.js';
import { framesStage } from '../../stages/frames/stage.js';
import type { CaptionModelLoader } from '../../stages/model/caption-model.js';
import type { RefineConfig } from './config.js';
import { captionClips, heldoutClips, scoreEval } from './evaluate.js';
import { jobLayout, type JobLayout } from './layout.js';
import { dataMetrics, type RoundRecord } from './round-metrics.js';
import { trainPhase } from './train-phase.js';
import { TrainingSet, type TrainExample } from './training-set.js';

/** Options of {@link runRefine}. */
export interface RefineOptions {
  readonly signal?: AbortSignal;
  readonly log?: Logger;
  /** A fresh reporter for each engine run (default: bars on a TTY, JSON otherwise). */
  readonly reporter?: () => RunReporter;
  /** Stop after this many rounds of this call (for tests of resume); the job is resumable anyway. */
  readonly stopAfterRounds?: number;
}

/** What a refine call leaves behind. */
export interface RefineResult {
  readonly layout: JobLayout;
  readonly rounds: RoundRecord[];
  readonly finalModelDir: string;
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, path);
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** The part of the config that decides the job's outputs (hashed; devices and paths may change on resume). */
export function refineOutputConfig(config: RefineConfig): unknown {
  const { run_dir: _r, device: _d, frames, ...rest } = config;
  const { concurrency: _c, ffmpeg_path: _f, ffprobe_path: _p, timeout_s: _t, ...framesKept } = frames;
  return { ...rest, frames: framesKept };
}

/** Refuses to resume a job directory that was started with a different config. */
async function checkJob(l: JobLayout, config: RefineConfig): Promise<string> {
  const hash = hashValue(refineOutputConfig(config));
  if (existsSync(l.jobMeta)) {
    const meta = await readJson<{ config_hash: string }>(l.jobMeta);
    if (meta.config_hash !== hash) {
      throw new Error(`refusing to resume ${l.dir}: it was started with another config (hash ${meta.config_hash.slice(0, 12)}, now ${hash.slice(0, 12)}). Use a new run_dir, or delete ${l.dir} to start over.`);
    }
  } else {
    await writeJsonAtomic(l.jobMeta, { format: 'flywheel-refine/1', config_hash: hash, created_at: new Date().toISOString(), config: refineOutputConfig(config) });
  }
  return hash;
}

async function trainOrLoadTokenizer(l: JobLayout, config: RefineConfig): Promise<CaptionTokenizer> {
  if (config.model.init) return (await loadVersion(config.model.init)).tokenizer;
  if (existsSync(l.tokenizer)) return CaptionTokenizer.fromJSON(await readFile(l.tokenizer, 'utf8'));
  const texts: string[] = [];
  for await (const item of readManifest(config.manifest)) {
    if ('error' in item) continue;
    const c = item.clip;
    texts.push(c.asr_text);
    if (c.title) texts.push(c.title);
    if (c.human_caption) texts.push(c.human_caption);
  }
  const tok = CaptionTokenizer.train(texts, { vocabSize: config.model.vocab_size });
  await mkdir(l.dir, { recursive: true });
  await writeFile(`${l.tokenizer}.tmp`, tok.toJSON());
  await rename(`${l.tokenizer}.tmp`, l.tokenizer);
  return tok;
}

function modelConfig(config: RefineConfig, tok: CaptionTokenizer): CaptionerConfig {
  return makeConfig(config.model.preset, tok.vocabSize, {
    ...(config.model.max_caption_len ? { maxCaptionLen: config.model.max_caption_len } : {}),
    ...(config.model.max_text_len ? { maxTextLen: config.model.max_text_len } : {}),
  });
}

/** Runs (or resumes) the refine job a config describes. */
export async function runRefine(config: RefineConfig, opts: RefineOptions = {}): Promise<RefineResult> {
  const l = jobLayout(config.run_dir);
  const log = opts.log ?? pino({ name: 'flywheel-refine' }, pino.destination(2));
  const reporter = opts.reporter ?? defaultReporter;
  await mkdir(l.dir, { recursive: true });
  const configHash = await checkJob(l, config);
  const device = new Device({ providers: config.device.providers, intraOpThreads: config.device.threads, warn: (m) => log.warn(m) });
  const truth: Map<string, TruthRow> | undefined = config.truth ? await readTruthMapFromFile(config.truth) : undefined;

  const tok = await trainOrLoadTokenizer(l, config);
  const initVersion = config.model.init ? await loadVersion(config.model.init) : undefined;
  const mcfg = initVersion ? initVersion.config : modelConfig(config, tok);

  // 1. frames, once for the whole job, at the model's input size
  const framesRun = new LocalStorage(l.framesRun);
  await engineRun(l.framesRun, config, [framesStage({ config: { ...config.frames, count: mcfg.frames, width: mcfg.frameSize, height: mcfg.frameSize }, mediaRoot: config.media_root })], 0, reporter, opts.signal);
  const expect = { count: mcfg.frames, width: mcfg.frameSize, height: mcfg.frameSize };
  const attach = (): AnyStage => attachFramesStage({ framesRun, expect });
  const loader = (dir: string): CaptionModelLoader => () => Captioner.load(dir, device);

  // 2. the model that scores round 0: the given init version, or one trained on round 0's text captions
  const bootstrapDir = config.model.init ?? l.bootstrapModel;
  // the model that writes round k's captions (round 0: none; it scores them)
  let captionerDir = bootstrapDir;
  if (!initVersion && !existsSync(l.bootstrapModel)) {
    await engineRun(l.bootstrapRun, config, [attach(), captionStage({ round: 0, modelVersion: 'text', source: { kind: 'text' } })], 0, reporter, opts.signal);
    const set = await TrainingSet.open({ roundRun: new LocalStorage(l.bootstrapRun), framesRun, scoreStage: 'none' });
    const model = createModel(mcfg, tok, config.seed);
    const pre = await trainPhase({ model, device, set, filter: trainable, phase: config.train.pretrain, loss: config.train.loss, seed: config.seed, ...sig(opts.signal), onEpoch: epochLogger(log, 'bootstrap pretrain') });
    const fine = await trainPhase({ model, device, set, filter: human, phase: config.train.finetune, loss: { kind: 'mle' }, seed: config.seed, ...sig(opts.signal), onEpoch: epochLogger(log, 'bootstrap finetune') });
    saveVersion(l.bootstrapModel, model, { trainingDataId: `bootstrap:${configHash}`, metrics: versionMetrics(pre, fine) });
    log.info({ dir: l.bootstrapModel }, 'bootstrap model saved');
  }

  const records: RoundRecord[] = [];
  let roundsThisCall = 0;
  for (let k = 0; k < config.rounds; k++) {
    const metricsPath = l.roundMetrics(k);
    if (existsSync(metricsPath)) {
      records.push(await readJson<RoundRecord>(metricsPath));
      captionerDir = l.roundModel(k);
      continue;
    }
    if (opts.stopAfterRounds !== undefined && roundsThisCall >= opts.stopAfterRounds) break;
    opts.signal?.throwIfAborted();
    const writer = await loadVersion(captionerDir);
    const scoreDir = config.adatailr.scorer === 'bootstrap' ? bootstrapDir : captionerDir;
    const scorer = scoreDir === captionerDir ? writer : await loadVersion(scoreDir);
    const gamma = config.adatailr.gamma === 'model' ? Number(scorer.metrics.final_gamma ?? 0) : config.adatailr.gamma;
    log.info({ round: k, captioner: writer.manifest.contentHash.slice(0, 12), scorer: scorer.manifest.contentHash.slice(0, 12), gamma }, 'round started');

    // a. caption (text in round 0, the previous model afterwards) and score/filter, shard by shard
    const t0 = performance.now();
    const roundStages: AnyStage[] = [
      attach(),
      captionStage({
        round: k,
        modelVersion: k === 0 ? 'text' : writer.manifest.contentHash,
        source: k === 0 ? { kind: 'text' } : { kind: 'model', load: loader(captionerDir), beams: config.caption.beams },
        modelBatch: config.caption.model_batch,
      }),
      adatailrStage({ round: k, load: loader(scoreDir), gamma, vocabSize: scorer.config.vocabSize, wMin: config.adatailr.w_min, policy: config.adatailr.policy, modelBatch: config.caption.model_batch, batchSize: config.shard_size }),
    ];
    const roundRun = await engineRun(l.roundRun(k), config, roundStages, k, reporter, opts.signal);
    const t1 = performance.now();

    // b. pre-train on the kept rows, fine-tune on the human examples
    const set = await TrainingSet.open({ roundRun: new LocalStorage(l.roundRun(k)), framesRun });
    const trainingDataId = hashValue({ run: roundRun.run_id, config: configHash, round: k });
    if (!existsSync(l.roundModel(k))) {
      const model: CaptionerModel = config.train.warm_start ? writer.model() : createModel(mcfg, tok, config.seed + k + 1);
      const pre = await trainPhase({ model, device, set, filter: (e) => trainable(e) && e.keep, phase: config.train.pretrain, loss: config.train.loss, seed: config.seed + k, ...sig(opts.signal), onEpoch: epochLogger(log, `round ${k} pretrain`) });
      const fine = await trainPhase({ model, device, set, filter: human, phase: config.train.finetune, loss: { kind: 'mle' }, seed: config.seed + k, ...sig(opts.signal), onEpoch: epochLogger(log, `round ${k} finetune`) });
      saveVersion(l.roundModel(k), model, { trainingDataId, metrics: versionMetrics(pre, fine) });
    }
    const t2 = performance.now();
    const version = await loadVersion(l.roundModel(k));

    // c. evaluate on held-out clips
    const clips = await heldoutClips({ run: new LocalStorage(l.roundRun(k)), framesRun, max: config.eval.max_clips, seed: config.seed });
    const captioner = await Captioner.load(l.roundModel(k), device);
    let evalResult;
    try {
      evalResult = scoreEval(clips, await captionClips(captioner, clips, { batch: config.caption.model_batch, beams: config.caption.beams }), truth ? [...truth.values()] : undefined);
    } finally {
      await captioner.release();
    }
    const t3 = performance.now();
    const vm = version.metrics;
    const record: RoundRecord = {
      round: k,
      modelVersion: version.manifest.contentHash,
      modelDir: l.roundModel(k),
      scorerVersion: scorer.manifest.contentHash,
      scoringGamma: meanGamma(set.all()),
      ...dataMetrics(set.all(), truth),
      ...(evalResult.model ? { quality: evalResult.model } : {}),
      ...(evalResult.rawAsr ? { rawAsrQuality: evalResult.rawAsr } : {}),
      pretrain: JSON.parse(String(vm.pretrain ?? '{}')) as RoundRecord['pretrain'],
      finetune: JSON.parse(String(vm.finetune ?? '{}')) as RoundRecord['finetune'],
      provider: String(vm.provider ?? 'unknown'),
      trainingDataId,
      seconds: { captionAndScore: (t1 - t0) / 1000, train: (t2 - t1) / 1000, eval: (t3 - t2) / 1000 },
      evalClips: evalResult.clips,
    };
    await writeJsonAtomic(metricsPath, record);
    log.info({ round: k, ciderD: record.quality?.ciderD, kept: record.quantity.kept, rows: record.quantity.rows, filter_f1: record.filter?.f1 }, 'round finished');
    records.push(record);
    captionerDir = l.roundModel(k);
    roundsThisCall++;
  }
  return { layout: l, rounds: records, finalModelDir: captionerDir };
}

function meanGamma(rows: readonly TrainExample[]): number {
  const gs = rows.filter((r) => r.captionSource !== 'human' && !Number.isNaN(r.gamma)).map((r) => r.gamma);
  return gs.length ? gs.reduce((a, b) => a + b, 0) / gs.length : Number.NaN;
}

const trainable = (e: TrainExample): boolean => e.split !== 'heldout' && e.caption.trim() !== '' && e.captionSource !== 'human';
const human = (e: TrainExample): boolean => e.captionSource === 'human' && e.caption.trim() !== '';
const sig = (signal: AbortSignal | undefined): { signal?: AbortSignal } => (signal ? { signal } : {});

function epochLogger(log: Logger, phase: string): (epoch: number, loss: number, gamma: number, rho: number) => void {
  return (epoch, loss, gamma, rho) => log.info({ phase, epoch, loss, gamma, rho: Number.isNaN(rho) ? null : rho }, 'epoch');
}

/** What a model version stores about its training: deterministic facts only, so equal weights give an equal content hash. */
function versionMetrics(pre: Awaited<ReturnType<typeof trainPhase>>, fine: Awaited<ReturnType<typeof trainPhase>>): Record<string, number | string> {
  const last = <T>(xs: T[]): T | undefined => xs[xs.length - 1];
  return {
    final_gamma: last(pre.gammaCurve) ?? 0,
    final_rho: last(pre.rhoCurve) ?? Number.NaN,
    pretrain: JSON.stringify({ steps: pre.steps, examples: pre.examples, lossCurve: pre.lossCurve, gammaCurve: pre.gammaCurve, rhoCurve: pre.rhoCurve }),
    finetune: JSON.stringify({ steps: fine.steps, examples: fine.examples, lossCurve: fine.lossCurve }),
    provider: pre.provider !== 'none' ? pre.provider : fine.provider,
  };
}

async function readTruthMapFromFile(path: string): Promise<Map<string, TruthRow>> {
  // the benchmark's truth sidecar: a Parquet file; readTruthMap takes its directory
  const { readParquetRows } = await import('../../datagen/parquet.js');
  if (path.endsWith('.parquet')) return new Map((await readParquetRows<TruthRow>(path)).map((r) => [r.clip_id, r]));
  return readTruthMap(path);
}

async function engineRun(dir: string, config: RefineConfig, stages: AnyStage[], round: number, reporter: () => RunReporter, signal?: AbortSignal) {
  const r = await runLocal({
    runDir: dir,
    manifestPath: config.manifest,
    shardSize: config.shard_size,
    round,
    stages,
    config: { refine: hashValue(refineOutputConfig(config)), stages: stages.map((s) => s.name) },
    reporter: reporter(),
    ...(signal ? { signal } : {}),
  });
  return r.meta;
}
