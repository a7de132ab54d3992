/**
 * The noise experiment (issue 5's proof): on a generated toy task with a known fraction of corrupted
 * captions, train MLE, TaiLr with fixed γ, AdaTaiLr (not told the noise level) and loss truncation
 * over several seeds; measure clean held-out quality, the adaptive noise estimate ρ against the true
 * corrupted fraction, and how well the keep policies find the corrupted rows.
 */
import { type LossConfigInput } from '../../models/adatailr/train-loop.js';
import { makeConfig, type CaptionerConfig } from '../../models/captioner/config.js';
import { Device } from '../../models/device.js';
import { CaptionTokenizer } from '../../models/tokenizer.js';
import type { FilterPolicy } from '../../config/filter-policy.js';
import { type ExperimentRun, runCell, type TrainSettings } from './run-one.js';
import { type ExperimentSummary, summarize } from './summary.js';
import { makeToyTask, taskCorpus } from './toy-task.js';

/** A named loss config to compare. */
export interface MethodSpec {
  readonly name: string;
  readonly loss: LossConfigInput;
}

/** The compared methods: MLE, TaiLr at γ ∈ {0.25, 0.5, 1}, AdaTaiLr with its defaults, loss truncation with its default drop fraction. */
export const DEFAULT_METHODS: readonly MethodSpec[] = [
  { name: 'mle', loss: { kind: 'mle' } },
  { name: 'tailr γ=0.25', loss: { kind: 'tailr', gamma: 0.25 } },
  { name: 'tailr γ=0.5', loss: { kind: 'tailr', gamma: 0.5 } },
  { name: 'tailr γ=1', loss: { kind: 'tailr', gamma: 1 } },
  { name: 'adatailr', loss: { kind: 'adatailr' } },
  { name: 'loss-truncation', loss: { kind: 'loss-truncation' } },
];

/** Options of {@link runExperiment}; every field has a default. */
export interface ExperimentOptions {
  /** True corrupted fractions of the training rows. Default [0, 0.2, 0.4, 0.6]. */
  readonly noise?: readonly number[];
  /** Seeds per cell (1..seeds). Default 3. */
  readonly seeds?: number;
  /** Training rows per task. Default 400. */
  readonly trainClips?: number;
  /** Clean held-out rows per task. Default 100. */
  readonly heldoutClips?: number;
  /** Training steps per run. Default 200. */
  readonly steps?: number;
  /** Rows per step. Default 32. */
  readonly batchSize?: number;
  /** Peak learning rate. Default 1e-2. */
  readonly lr?: number;
  /** Methods to train. Default {@link DEFAULT_METHODS}. */
  readonly methods?: readonly MethodSpec[];
  /** Which runs of the grid to do (e.g. only adatailr, seed 1, off 40%). Default all. */
  readonly only?: (method: MethodSpec, noise: number, seed: number) => boolean;
  /** Method whose trained model scores the training rows for the keep policies. Default `adatailr`. */
  readonly detectWith?: string;
  /** ONNX Runtime threads per op. Default 0 (ORT's choice). Results measured equal for 0, 1 and 2. */
  readonly threads?: number;
  /** Progress callback after every run. */
  readonly onRun?: (run: ExperimentRun, done: number, total: number) => void;
}

/** Everything the experiment measured, JSON-serialisable. */
export interface ExperimentReport extends ExperimentSummary {
  readonly settings: Required<Omit<ExperimentOptions, 'methods' | 'only' | 'onRun'>> & {
    readonly methods: readonly MethodSpec[];
    readonly model: CaptionerConfig;
  };
  readonly runs: readonly ExperimentRun[];
  readonly seconds: number;
}

/**
 * The keep policies scored at a noise level: threshold at the stage default 0.5 and at 0.9,
 * top-fraction at 1 − noise (told the noise level), estimated-noise (not told), keep-all.
 */
export function policiesFor(noise: number): FilterPolicy[] {
  return [
    { kind: 'threshold', min_weight: 0.5 },
    { kind: 'threshold', min_weight: 0.9 },
    { kind: 'top-fraction', fraction: Math.max(1 - noise, 1e-6) },
    { kind: 'estimated-noise', max_drop: 0.9 },
    { kind: 'keep-all' },
  ];
}

/** The model the experiment trains: `tiny` with 2 frames of 16×16 and short text/captions (a few seconds per run on 2 cores). */
export function experimentConfig(vocabSize: number): CaptionerConfig {
  return makeConfig('tiny', vocabSize, { frames: 2, frameSize: 16, patch: 8, maxTextLen: 8, maxCaptionLen: 10 });
}

/** Runs the grid (noise × seed × method) and aggregates it. Deterministic for fixed options and a fixed model core. */
export async function runExperiment(opts: ExperimentOptions = {}): Promise<ExperimentReport> {
  const t0 = performance.now();
  const s = {
    noise: opts.noise ?? [0, 0.2, 0.4, 0.6],
    seeds: opts.seeds ?? 3,
    trainClips: opts.trainClips ?? 400,
    heldoutClips: opts.heldoutClips ?? 100,
    steps: opts.steps ?? 200,
    batchSize: opts.batchSize ?? 32,
    lr: opts.lr ?? 1e-2,
    detectWith: opts.detectWith ?? 'adatailr',
    threads: opts.threads ?? 0,
  };
  const methods = opts.methods ?? DEFAULT_METHODS;
  for (const n of s.noise) if (!(n >= 0 && n < 1)) throw new RangeError(`noise levels must be in [0, 1), got ${n}`);
  if (!(Number.isInteger(s.seeds) && s.seeds >= 1))
    throw new RangeError(`seeds must be a positive integer, got ${s.seeds}`);
  const names = new Set(methods.map((m) => m.name));
  if (names.size !== methods.length)
    throw new Error(`method names must be unique, got ${methods.map((m) => m.name).join(', ')}`);
  const tokenizer = CaptionTokenizer.train(taskCorpus(), { vocabSize: 200 });
  const config = experimentConfig(tokenizer.vocabSize);
  const device = new Device({ intraOpThreads: s.threads });
  const train: TrainSettings = { steps: s.steps, batchSize: s.batchSize, lr: s.lr, warmupSteps: 10 };
  const only = opts.only ?? (() => true);
  const plan = s.noise.flatMap((noise) =>
    Array.from({ length: s.seeds }, (_, i) => i + 1).flatMap((seed) =>
      methods.filter((m) => only(m, noise, seed)).map((m) => ({ noise, seed, m })),
    ),
  );
  const runs: ExperimentRun[] = [];
  for (const { noise, seed, m } of plan) {
    // the same task (rows, corruption) for every method at a (noise, seed): paired comparison
    const task = makeToyTask({
      trainClips: s.trainClips,
      heldoutClips: s.heldoutClips,
      noise,
      frames: config.frames,
      frameSize: config.frameSize,
      seed: seed * 1000 + Math.round(noise * 100),
    });
    const cell = await runCell({
      task,
      tokenizer,
      config,
      loss: m.loss,
      train,
      seed,
      device,
      policies: m.name === s.detectWith ? policiesFor(noise) : undefined,
    });
    const run: ExperimentRun = { noise, seed, method: m.name, ...cell };
    runs.push(run);
    opts.onRun?.(run, runs.length, plan.length);
  }
  return {
    settings: { ...s, methods, model: config },
    runs,
    ...summarize(
      runs,
      s.detectWith,
      methods.filter((m) => m.loss.kind === 'tailr').map((m) => m.name),
    ),
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * One report from several (e.g. seed ranges or noise levels run side by side): runs concatenated and
 * summaries recomputed. Refuses reports whose settings differ in anything but seeds and noise
 * levels, or that hold the same run twice.
 */
export function mergeReports(reports: readonly ExperimentReport[]): ExperimentReport {
  if (reports.length === 0) throw new Error('mergeReports: no reports');
  const rest = (r: ExperimentReport): string => {
    const { seeds: _s, noise: _n, ...other } = r.settings;
    return JSON.stringify(other);
  };
  for (const r of reports.slice(1))
    if (rest(r) !== rest(reports[0]))
      throw new Error('mergeReports: the reports differ in settings other than seeds and noise levels');
  const runs = reports.flatMap((r) => r.runs);
  const keys = new Set(runs.map((r) => `${r.noise}/${r.seed}/${r.method}`));
  if (keys.size !== runs.length)
    throw new Error('mergeReports: a (noise, seed, method) run appears in more than one report');
  const { settings } = reports[0];
  const fixed = settings.methods.filter((m) => m.loss.kind === 'tailr').map((m) => m.name);
  return {
    settings: {
      ...settings,
      seeds: Math.max(...reports.map((r) => r.settings.seeds)),
      noise: [...new Set(reports.flatMap((r) => r.settings.noise))].sort((a, b) => a - b),
    },
    runs,
    ...summarize(runs, settings.detectWith, fixed),
    seconds: reports.reduce((a, r) => a + r.seconds, 0),
  };
}
