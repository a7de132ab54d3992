/**
 * The demo's embedded captioner: a tiny model pre-trained once on the own text of 20,000 generated
 * clips (a benchmark seed no demo, tuning or evaluation uses), shipped in `jobs/demo/pretrained/`
 * so the demo and `refine-exp` start from a model that has seen more clips than one dataset holds
 * — what a real user gets from a pretrained video-language model. Its refine job reads no truth:
 * it chooses among transcripts and titles with the judges, as any refine job does, and trains on
 * what it chose (AdaTaiLr) and on the human split.
 */
import { cp, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { generateBenchmark } from '../../research/benchmark/generate.js';
import type { RunReporter } from '../../pipeline/reporter.js';
import { parseRefineConfig, type RefineConfig } from '../../config/refine.js';
import { runRefine } from '../refine/run-refine.js';

/** Where the embedded model version lives (a model version directory, `models/version.ts`). */
export const DEMO_MODEL_DIR = fileURLToPath(new URL('./pretrained', import.meta.url));

/** The pre-training data: 20,000 clips of benchmark seed 1000, 40 % noisy transcripts, the generator's other defaults. */
export const PRETRAIN_DATA = { clips: 20_000, seed: 1000, noise: 0.4 } as const;

/**
 * The pre-training refine job: one round at the demo's model size and choice rule, 6 epochs over the
 * chosen rows, one judge a fold at 10 epochs (at 20,000 clips a round of the demo's training would
 * take an hour on 2 cores). No `truth`: nothing here reads the benchmark's sidecar.
 */
export function pretrainConfig(dataDir: string, jobDir: string): RefineConfig {
  return parseRefineConfig({
    run_dir: jobDir,
    manifest: join(dataDir, 'clips.parquet'),
    media_root: dataDir,
    shard_size: 512,
    device: { providers: ['cpu'], threads: 0 },
    seed: PRETRAIN_DATA.seed,
    rounds: 1,
    model: { preset: 'tiny', vocab_size: 512, max_caption_len: 36, max_text_len: 36 },
    train: {
      loss: { kind: 'adatailr', warmupSteps: 60 },
      pretrain: { epochs: 6, lr: 3e-3, batch_size: 32, warmup_steps: 20 },
      finetune: { epochs: 4, lr: 1e-3, batch_size: 16, warmup_steps: 0 },
    },
    judge: { epochs: 10 },
    adatailr: { choice: { people_margin: 1, clip_side: 0.5, model_min_evidence: 7, weight_bonus: 8 } },
  });
}

/** What {@link buildDemoModel} needs. */
export interface BuildDemoModelOptions {
  /** Where the generated data and the job go (resumable). */
  readonly dir: string;
  /** Where the model version is written (replaced). Default {@link DEMO_MODEL_DIR}. */
  readonly out?: string;
  readonly log?: Logger;
  readonly reporter?: () => RunReporter;
  readonly signal?: AbortSignal;
}

/** Rebuilds the embedded model: generates the data, runs the pre-training job, copies its round-0 model to `out`. */
export async function buildDemoModel(o: BuildDemoModelOptions): Promise<string> {
  const dir = resolve(o.dir);
  const dataDir = join(dir, 'data');
  await generateBenchmark({ outDir: dataDir, ...PRETRAIN_DATA });
  const r = await runRefine(pretrainConfig(dataDir, join(dir, 'job')), {
    ...(o.log ? { log: o.log } : {}),
    ...(o.reporter ? { reporter: o.reporter } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const out = resolve(o.out ?? DEMO_MODEL_DIR);
  await rm(out, { recursive: true, force: true });
  await mkdir(dirname(out), { recursive: true });
  await cp(r.finalModelDir, out, { recursive: true });
  return out;
}
