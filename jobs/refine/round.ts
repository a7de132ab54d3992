/**
 * One round of the flywheel, defined once for every job that runs one (`refine` round after round,
 * `schedule` tick after tick): gather each clip's candidates and choose one (the caption and
 * adatailr stages over the engine), then train the next models on the chosen rows — the captioner
 * (pre-training with the configured noise control and row weights, fine-tuning on the human
 * examples); the judges that choose the next round's captions train in `judges.ts`.
 */
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { CaptionerConfig } from '../../models/captioner/config.js';
import type { Device } from '../../models/device.js';
import { checkTeacherConfig, type TeacherConfig } from '../../models/teacher/config.js';
import { type CaptionerModel, createModel } from '../../models/model.js';
import type { CaptionTokenizer } from '../../models/tokenizer.js';
import { loadVersion, saveVersion } from '../../models/version.js';
import type { RunMeta } from '../../pipeline/ledger.js';
import { type Executor, localExecutor } from '../../pipeline/executor.js';
import type { RunReporter } from '../../pipeline/reporter.js';
import { type AnyStageSpec, buildStages, type ModelRef } from '../../stages/index.js';
import { captionerHash } from '../../stages/model/pinned.js';
import type { RefineConfig } from '../../config/refine.js';
import { type PhaseResult, trainPhase } from './train-phase.js';
import { humanExample, trainableExample, type TrainingSet } from './training-set.js';
import { JUDGE_MIN_CLIPS, roundDrops } from './folds.js';
import { readJudgeManifest } from '../../models/probe/judge.js';

/** What the candidate and choice steps of a round need. */
export interface RoundStepsOptions {
  readonly config: RefineConfig;
  readonly round: number;
  /** The engine run directory of these steps. */
  readonly runDir: string;
  /** The clips to process (the job's manifest, or a tick's new clips). */
  readonly manifestPath: string;
  /** The frames run dir (shared storage when the steps run on queue workers). */
  readonly framesRun: string;
  readonly frameSpec: { readonly count: number; readonly width: number; readonly height: number };
  /** Model version dirs, one per fold, that write synthetic candidates; none in round 0. */
  readonly writers?: readonly string[];
  /** The writers' id recorded on caption rows (`text` when there are none). */
  readonly writerVersion: string;
  /** Model version dirs, one per fold, that weigh the chosen captions; none = gather candidates only (the bootstrap). */
  readonly scorers?: readonly string[];
  /** Judge dirs that choose among the candidates (required with `scorers`): `judge.ensemble` per fold, fold by fold. */
  readonly judges?: readonly string[];
  /** Last round's run dir: its chosen caption per clip is a `previous` candidate. */
  readonly previousRun?: string;
  /** A pretrained teacher folder whose frame captions join the candidates (round 0). */
  readonly teacher?: TeacherConfig;
  /** γ of the row weights (`model` resolved by the caller). */
  readonly gamma: number | 'adaptive';
  readonly vocabSize: number;
  /** Where the steps run (default: this machine). */
  readonly executor?: Executor<AnyStageSpec>;
  /** What the engine hashes into the run (a resumed run with other settings is refused). */
  readonly runConfig: Record<string, unknown>;
  readonly reporter: RunReporter;
  readonly signal?: AbortSignal;
}

/** The round's candidate and choice steps as stage specs: plain settings any machine builds the same stages from. */
export async function roundStepSpecs(
  o: Omit<RoundStepsOptions, 'executor' | 'reporter' | 'signal'>,
): Promise<AnyStageSpec[]> {
  const { config } = o;
  const members = config.judge.ensemble ?? 1;
  const folds = o.judges ? o.judges.length / members : 1;
  if (!Number.isInteger(folds))
    throw new Error(`round ${o.round}: ${o.judges?.length} judges are not ${members} (judge.ensemble) per fold`);
  const device = { providers: [...config.device.providers], threads: config.device.threads };
  const pin = async (dirs: readonly string[]): Promise<ModelRef[]> =>
    Promise.all(dirs.map(async (dir) => ({ dir, content_hash: await captionerHash(dir) })));
  const specs: AnyStageSpec[] = [
    { kind: 'attach-frames', frames_run: o.framesRun, expect: { ...o.frameSpec } },
    {
      kind: 'caption',
      round: o.round,
      model_version: o.writerVersion,
      ...(o.writers
        ? {
            writer: {
              models: await pin(o.writers),
              folds,
              beams: config.caption.beams,
              frames_only: config.caption.frames_only,
              // absent unless asked for, so the specs (and run ids) of jobs without samples stay as they were
              ...(config.caption.samples !== undefined
                ? { samples: config.caption.samples, sample_seed: config.seed }
                : {}),
              ...(config.caption.temperature !== undefined ? { temperature: config.caption.temperature } : {}),
            },
          }
        : {}),
      ...(o.previousRun !== undefined ? { previous_run: o.previousRun } : {}),
      ...(o.teacher ? { teacher: checkTeacherConfig(o.teacher) } : {}),
      model_batch: config.caption.model_batch,
      device,
    },
  ];
  if (o.scorers) {
    if (!o.judges || o.judges.length === 0)
      throw new Error(`round ${o.round}: scoring needs the judges that choose the captions`);
    // each judge's judge.json, read once: the hash it is pinned by, and the training that decides dropping
    const judges = o.judges.map((dir) => ({ dir, manifest: readJudgeManifest(dir) }));
    specs.push({
      kind: 'adatailr',
      round: o.round,
      scorers: await pin(o.scorers),
      judges: judges.map((j) => ({ dir: j.dir, content_hash: j.manifest.contentHash })),
      folds,
      gamma: o.gamma,
      vocab_size: o.vocabSize,
      w_min: config.adatailr.w_min,
      policy: config.adatailr.policy,
      choice: config.adatailr.choice,
      drop_implausible: roundDrops(
        config.adatailr.drop_implausible,
        judges.map((j) => j.manifest.metrics),
      ),
      model_batch: config.caption.model_batch,
      device,
    });
  }
  return specs;
}

/** Runs (or resumes) a round's candidate and choice steps on the chosen executor; returns the run's metadata. */
export async function runRoundSteps(o: RoundStepsOptions): Promise<RunMeta> {
  const specs = await roundStepSpecs(o);
  const choice = specs.find((s) => s.kind === 'adatailr');
  if (choice?.kind === 'adatailr' && o.config.adatailr.drop_implausible && !choice.drop_implausible)
    o.reporter.log.info(
      { round: o.round },
      `round ${o.round}: its judges learnt from fewer than ${JUDGE_MIN_CLIPS} train clips each and from no pre-trained judge, so a clip none of whose candidates they find plausible keeps its best one rather than being dropped (adatailr.drop_implausible)`,
    );
  const warn = (m: string): void => o.reporter.log.warn(m);
  const executor = o.executor ?? localExecutor((s: readonly AnyStageSpec[]) => buildStages(s, { warn }));
  const r = await executor.execute({
    runDir: o.runDir,
    manifestPath: o.manifestPath,
    shardSize: o.config.shard_size,
    round: o.round,
    specs,
    config: { ...o.runConfig, stages: specs.map((s) => s.kind) },
    job: o.config.run_dir,
    reporter: o.reporter,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return r.meta;
}

/** What training a captioner reported. */
export interface CaptionerTraining {
  readonly pre: PhaseResult;
  readonly fine: PhaseResult;
}

/** What {@link trainCaptioner} needs. */
export interface TrainCaptionerOptions {
  readonly config: RefineConfig;
  readonly set: TrainingSet;
  /** Where the model version goes. */
  readonly outDir: string;
  /** The starting weights (warm start); a fresh model when absent. */
  readonly start: () => Promise<TrainingStart | undefined>;
  readonly modelConfig: CaptionerConfig;
  readonly tokenizer: CaptionTokenizer;
  /** Seeds this round's data order and fresh weights. */
  readonly seed: number;
  readonly trainingDataId: string;
  readonly device: Device;
  readonly log: Logger;
  readonly label: string;
  readonly signal?: AbortSignal;
}

/**
 * Trains (or finds, when a previous call already saved it) the round's captioner: pre-training on
 * the trainable rows with their weights and the configured loss, then fine-tuning on the human
 * examples. Model versions are saved atomically and are content-addressed.
 */
export async function trainCaptioner(o: TrainCaptionerOptions): Promise<void> {
  if (existsSync(o.outDir)) return;
  o.signal?.throwIfAborted();
  const start = await o.start();
  const model = start?.model ?? createModel(o.modelConfig, o.tokenizer, o.seed);
  const shift = o.config.train.frame_shift
    ? { max: o.config.train.frame_shift, size: o.modelConfig.frameSize }
    : undefined;
  const common = {
    model,
    device: o.device,
    set: o.set,
    seed: o.seed,
    ...(shift ? { frameShift: shift } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
  const pre = await trainPhase({
    ...common,
    filter: trainableExample,
    phase: o.config.train.pretrain,
    loss: o.config.train.loss,
    onEpoch: epochLogger(o.log, `${o.label} pretrain`),
    onStart: (plan) =>
      o.log.info(
        { phase: `${o.label} pretrain`, ...plan, max_steps: o.config.train.pretrain.max_steps ?? null },
        'training planned',
      ),
  });
  const fine = await trainPhase({
    ...common,
    filter: humanExample,
    phase: o.config.train.finetune,
    loss: { kind: 'mle' },
    onEpoch: epochLogger(o.log, `${o.label} finetune`),
  });
  saveVersion(o.outDir, model, { trainingDataId: o.trainingDataId, metrics: versionMetrics({ pre, fine }, start) });
  o.log.info({ dir: o.outDir }, `${o.label} model saved`);
}

/** Weights a captioner's training starts from, and the content hash of the version they came from. */
export interface TrainingStart {
  readonly model: CaptionerModel;
  readonly from: string;
}

/**
 * The model version a round's captioner training starts from (`train.warm_start`): the previous
 * model (`true`), `model.init` (`"init"`), or none, i.e. fresh weights (`false`). Refine and schedule
 * both start their training here, so the option means the same in both.
 */
export function warmStartDir(config: RefineConfig, previous: string | undefined): string | undefined {
  if (config.train.warm_start === false) return undefined;
  return config.train.warm_start === 'init' ? config.model.init : previous;
}

/** The weights a round's captioner training starts from (`warmStartDir`), or undefined for fresh weights. */
export async function warmStart(
  config: RefineConfig,
  previous: string | undefined,
): Promise<TrainingStart | undefined> {
  const dir = warmStartDir(config, previous);
  return dir ? loadModel(dir) : undefined;
}

/** Loads a saved model version as trainable weights (for a warm start), with its hash for the lineage. */
export async function loadModel(dir: string): Promise<TrainingStart> {
  const v = await loadVersion(dir);
  return { model: v.model(), from: v.manifest.contentHash };
}

function epochLogger(log: Logger, phase: string): (epoch: number, loss: number, gamma: number, rho: number) => void {
  return (epoch, loss, gamma, rho) =>
    log.info({ phase, epoch, loss, gamma, rho: Number.isNaN(rho) ? null : rho }, 'epoch');
}

/** What a model version stores about its training: deterministic facts only, so equal weights give an equal content hash. */
function versionMetrics({ pre, fine }: CaptionerTraining, start?: TrainingStart): Record<string, number | string> {
  const last = <T>(xs: T[]): T | undefined => xs[xs.length - 1];
  return {
    // the version whose weights training started from ('fresh': new weights): a model's lineage
    started_from: start?.from ?? 'fresh',
    final_gamma: last(pre.gammaCurve) ?? 0,
    final_rho: last(pre.rhoCurve) ?? Number.NaN,
    pretrain: JSON.stringify({
      steps: pre.steps,
      examples: pre.examples,
      lossCurve: pre.lossCurve,
      gammaCurve: pre.gammaCurve,
      rhoCurve: pre.rhoCurve,
    }),
    finetune: JSON.stringify({ steps: fine.steps, examples: fine.examples, lossCurve: fine.lossCurve }),
    provider: pre.provider !== 'none' ? pre.provider : fine.provider,
  };
}
