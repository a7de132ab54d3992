/**
 * The refine job: extract frames once, then round after round caption → score/filter (AdaTaiLr)
 * → pre-train on the kept rows → fine-tune on the human examples → evaluate, each new model
 * captioning the next round. Every step is resumable: engine runs skip finished shards, model
 * versions are written atomically, and a round's metrics file (written last) marks it done.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import pino from 'pino';
import { makeConfig, type CaptionerConfig } from '../../models/captioner/config.js';
import { Device } from '../../models/device.js';
import { Captioner } from '../../models/inference.js';
import { loadTeacher } from '../../models/teacher/load.js';
import { CaptionTokenizer } from '../../models/tokenizer.js';
import { loadVersion } from '../../models/version.js';
import { writeFileAtomic } from '../../pipeline/atomic-write.js';
import { hashValue } from '../../pipeline/hash.js';
import { layout } from '../../pipeline/layout.js';
import { readRunMeta } from '../../pipeline/ledger.js';
import { readManifest } from '../../pipeline/manifest/index.js';
import { readStoredRows } from '../../pipeline/parquet.js';
import { JsonReporter, type RunReporter } from '../../pipeline/reporter.js';
import { runLocal } from '../../pipeline/runner.js';
import { LocalStorage } from '../../pipeline/storage.js';
import type { TruthMeasure } from '../../metrics/truth-measure.js';
import type { ClipRow } from '../../schemas/clips.js';
import type { ScoreRow } from '../../schemas/scores.js';
import { readTruthMap, type TruthRow } from '../../schemas/truth.js';
import { framesStage } from '../../stages/frames/stage.js';
import { hashedPart } from '../../config/marks.js';
import { type RefineConfig, refineConfigSchema } from '../../config/refine.js';
import type { DownstreamProbe } from './downstream-eval.js';
import { captionClips, heldoutClips, scoreEval } from './evaluate.js';
import { jobLayout, type JobLayout } from './layout.js';
import {
  loadModel,
  type RoundStepsOptions,
  runRoundSteps,
  type TrainCaptionerOptions,
  trainCaptioner,
  trainJudges,
} from './round.js';
import { modelContent, type RawClip, type RoundRecord, roundDataMetrics } from './round-metrics.js';
import { TrainingSet } from './training-set.js';

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
  /** Runs `eval.downstream` (handed in by the entry point); without it the check is skipped with a warning. */
  readonly downstreamProbe?: DownstreamProbe;
}

/** What a refine call leaves behind. */
export interface RefineResult {
  readonly layout: JobLayout;
  readonly rounds: RoundRecord[];
  readonly finalModelDir: string;
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** Refuses to resume a job directory that was started with a different config. */
async function checkJob(l: JobLayout, config: RefineConfig): Promise<string> {
  const hash = hashValue(hashedPart(refineConfigSchema, config));
  if (existsSync(l.jobMeta)) {
    const meta = await readJson<{ config_hash: string }>(l.jobMeta);
    if (meta.config_hash !== hash) {
      throw new Error(
        `refusing to resume ${l.dir}: it was started with another config (hash ${meta.config_hash.slice(0, 12)}, now ${hash.slice(0, 12)}). Use a new run_dir, or delete ${l.dir} to start over.`,
      );
    }
  } else {
    await writeJsonAtomic(l.jobMeta, {
      format: 'flywheel-refine/1',
      config_hash: hash,
      created_at: new Date().toISOString(),
      config: hashedPart(refineConfigSchema, config),
    });
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
    // held-out text is never learned from, not even by the tokenizer
    if (c.split === 'heldout') continue;
    texts.push(c.asr_text);
    if (c.title) texts.push(c.title);
    if (c.human_caption) texts.push(c.human_caption);
  }
  const tok = CaptionTokenizer.train(texts, { vocabSize: config.model.vocab_size });
  await mkdir(l.dir, { recursive: true });
  await writeFileAtomic(l.tokenizer, tok.toJSON());
  return tok;
}

function modelConfig(config: RefineConfig, tok: CaptionTokenizer): CaptionerConfig {
  return makeConfig(config.model.preset, tok.vocabSize, {
    ...(config.model.max_caption_len ? { maxCaptionLen: config.model.max_caption_len } : {}),
    ...(config.model.max_text_len ? { maxTextLen: config.model.max_text_len } : {}),
    frameDiff: config.model.frame_diff,
  });
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
  const foldDirs = (dir: (f: number) => string): string[] => Array.from({ length: K }, (_, f) => dir(f));

  // 1. frames, once for the whole job, at the model's input size
  const framesRun = new LocalStorage(l.framesRun);
  const frameSpec = { count: mcfg.frames, width: mcfg.frameSize, height: mcfg.frameSize };
  await runLocal({
    runDir: l.framesRun,
    manifestPath: config.manifest,
    shardSize: config.shard_size,
    round: 0,
    stages: [framesStage({ config: { ...config.frames, ...frameSpec }, mediaRoot: config.media_root })],
    config: { refine: configHash, stages: ['frames'] },
    reporter: reporter(),
    ...sig(opts.signal),
  });
  const steps = (
    o: Omit<
      RoundStepsOptions,
      'config' | 'framesRun' | 'frameSpec' | 'device' | 'reporter' | 'manifestPath' | 'vocabSize' | 'runConfig'
    > & { vocabSize?: number },
  ) =>
    runRoundSteps({
      config,
      framesRun,
      frameSpec,
      device,
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
  const teacher = config.model.teacher ? { teacher: config.model.teacher } : {};
  await steps({ round: 0, runDir: l.bootstrapRun, writerVersion: 'text', gamma: 0, ...teacher });
  const bootstrapSet = await TrainingSet.open({
    roundRun: new LocalStorage(l.bootstrapRun),
    framesRun,
    scoreStage: 'none',
    textDropout: config.train.text_dropout,
  });
  if (!initVersion)
    await train({
      set: bootstrapSet,
      outDir: l.bootstrapModel,
      start: () => Promise.resolve(undefined),
      seed: config.seed,
      trainingDataId: `bootstrap:${configHash}`,
      label: 'bootstrap',
    });
  const judges = async (k: number, set: TrainingSet): Promise<string[]> => {
    await trainJudges({
      config,
      set,
      folds: K,
      outDir: (f) => l.judge(k, f),
      frameSpec: { count: mcfg.frames, width: mcfg.frameSize },
      tokenizer: tok,
      seed: config.seed + 7919 * (k + 1),
      trainingDataId: `judge-${k}:${configHash}`,
      device,
      log,
      ...sig(opts.signal),
    });
    return foldDirs((f) => l.judge(k, f));
  };

  // the manifest's valid clips, read once: the raw side of the dataset metrics and the downstream probe's input
  const manifestRows = await manifestClips(config.manifest);
  const raw: RawClip[] = manifestRows.map((c) => ({
    clipId: c.clip_id,
    asrText: c.asr_text,
    split: c.split ?? 'train',
  }));
  const records: RoundRecord[] = [];
  let writers: string[] | undefined;
  let scorers = bootstrapDirs;
  let previous: Map<string, string> | undefined;
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
    if (k > 0 && !previous) previous = await chosenCaptions(new LocalStorage(l.roundRun(k - 1)));
    const writerVersions = writers
      ? await Promise.all(writers.map(async (d) => (await loadVersion(d)).manifest.contentHash))
      : [];
    const scorerVersions = await Promise.all(scorers.map(async (d) => (await loadVersion(d)).manifest.contentHash));
    const gamma =
      config.adatailr.gamma === 'model'
        ? Number((await loadVersion(scorers[0])).metrics.final_gamma ?? 0)
        : config.adatailr.gamma;
    // the judges that choose this round's captions, trained on the data as the round finds it
    const judgeDirs = await judges(
      k,
      k === 0 ? bootstrapSet : await TrainingSet.open({ roundRun: new LocalStorage(l.roundRun(k - 1)), framesRun }),
    );
    log.info(
      {
        round: k,
        writers: writerVersions.map((v) => v.slice(0, 12)),
        scorers: scorerVersions.map((v) => v.slice(0, 12)),
        gamma,
      },
      'round started',
    );

    // a. gather candidates (the clip's text; the previous round's choice and the models' captions after round 0) and choose
    const t0 = performance.now();
    const roundRun = await steps({
      round: k,
      runDir: l.roundRun(k),
      writerVersion: writerVersions.length ? hashValue(writerVersions) : 'text',
      ...(writers ? { writers } : {}),
      scorers,
      judges: judgeDirs,
      ...(previous ? { previous } : {}),
      ...(k === 0 ? teacher : {}),
      gamma,
    });
    const t1 = performance.now();

    // b. train this round's models on the chosen rows (one per fold), warm-started from the last ones
    const set = await TrainingSet.open({
      roundRun: new LocalStorage(l.roundRun(k)),
      framesRun,
      textDropout: config.train.text_dropout,
    });
    const trainingDataId = hashValue({ run: roundRun.run_id, config: configHash, round: k });
    const last = writers ?? (initVersion ? undefined : bootstrapDirs);
    await train({
      set,
      outDir: l.roundModel(k),
      start: async () => (config.train.warm_start && last ? loadModel(last[0]) : undefined),
      seed: config.seed + k + 1,
      trainingDataId,
      label: `round ${k}`,
    });
    const t2 = performance.now();
    const versions = [await loadVersion(l.roundModel(k))];

    // c. the model's held-out quality
    const clips = await heldoutClips({
      run: new LocalStorage(l.roundRun(k)),
      framesRun,
      max: config.eval.max_clips,
      seed: config.seed,
    });
    const captioner = await Captioner.load(l.roundModel(k), device);
    let evalResult;
    try {
      evalResult = scoreEval(
        clips,
        await captionClips(captioner, clips, { batch: config.caption.model_batch, beams: config.caption.beams }),
        truth ? [...truth.values()] : undefined,
        opts.measure,
      );
    } finally {
      await captioner.release();
    }
    const downstream =
      config.eval.downstream && truth && opts.downstreamProbe
        ? await opts.downstreamProbe({
            config: { ...config, eval: { ...config.eval, downstream: config.eval.downstream } },
            round: k,
            rows: set.all(),
            clips: manifestRows,
            truth,
            framesRun: l.framesRun,
            tokenizer: tok,
            ...sig(opts.signal),
          })
        : undefined;
    const t3 = performance.now();
    const vm = versions[0].metrics;
    const record: RoundRecord = {
      round: k,
      modelVersion: versions[0].manifest.contentHash,
      modelDir: l.roundModel(k),
      modelVersions: versions.map((v) => v.manifest.contentHash),
      scorerVersions,
      ...roundDataMetrics(set.all(), raw, judge),
      ...(evalResult.model ? { modelQuality: evalResult.model } : {}),
      ...(judge && modelContent(evalResult.captions, judge)
        ? { modelContent: modelContent(evalResult.captions, judge) }
        : {}),
      ...(evalResult.rawAsr ? { rawAsrQuality: evalResult.rawAsr } : {}),
      ...(downstream ? { downstream } : {}),
      pretrain: JSON.parse(String(vm.pretrain ?? '{}')) as RoundRecord['pretrain'],
      finetune: JSON.parse(String(vm.finetune ?? '{}')) as RoundRecord['finetune'],
      provider: String(vm.provider ?? 'unknown'),
      trainingDataId,
      seconds: { captionAndScore: (t1 - t0) / 1000, train: (t2 - t1) / 1000, eval: (t3 - t2) / 1000 },
      evalClips: evalResult.clips,
    };
    await writeJsonAtomic(metricsPath, record);
    log.info(
      {
        round: k,
        content: record.dataset.quality?.contentAccuracy,
        rows: record.dataset.quantity.rows,
        kept_share: record.keptShare,
        chosen: record.adatailr.chosen,
      },
      'round finished',
    );
    records.push(record);
    previous = new Map(
      set
        .all()
        .filter((e) => e.keep && e.caption.trim() !== '')
        .map((e) => [e.clipId, e.caption]),
    );
    writers = [l.roundModel(k)];
    scorers = config.adatailr.scorer === 'bootstrap' ? bootstrapDirs : writers;
    roundsThisCall++;
  }
  return { layout: l, rounds: records, finalModelDir: writers ? writers[0] : bootstrapDirs[0] };
}

/** Each clip's chosen caption in a finished round run (kept rows only): next round's `previous` candidates. */
async function chosenCaptions(run: LocalStorage): Promise<Map<string, string>> {
  const meta = await readRunMeta(run);
  const out = new Map<string, string>();
  for (const shard of meta?.shards ?? []) {
    for (const s of await readStoredRows<ScoreRow>(run, layout.output('adatailr', shard)))
      if (s.keep && s.caption.trim() !== '') out.set(s.clip_id, s.caption);
  }
  return out;
}

/** The manifest's valid clips (bad rows are the frames run's errors, not ours). */
async function manifestClips(manifest: string): Promise<ClipRow[]> {
  const out: ClipRow[] = [];
  for await (const item of readManifest(manifest)) if ('clip' in item) out.push(item.clip);
  return out;
}

const sig = (signal: AbortSignal | undefined): { signal?: AbortSignal } => (signal ? { signal } : {});
