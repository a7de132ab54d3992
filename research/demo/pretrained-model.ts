/**
 * The demo's embedded captioner: a tiny model pre-trained once on the own text of 20,000 generated
 * clips (a benchmark seed no demo, tuning or evaluation uses), shipped in `jobs/demo/pretrained/`
 * so the demo and `refine-exp` start from a model that has seen more clips than one dataset holds
 * — what a real user gets from a pretrained video-language model. Its refine job reads no truth:
 * it chooses among transcripts and titles with the judges, as any refine job does, and trains on
 * what it chose (AdaTaiLr) and on the human split.
 */
import { cp, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { generateBenchmark } from '../benchmark/generate.js';
import type { RunReporter } from '../../pipeline/reporter.js';
import { parseRefineConfig, type RefineConfig } from '../../config/refine.js';
import { DEMO_JUDGE_DIR, DEMO_MODEL_DIR } from '../../jobs/demo/demo-config.js';
import { runRefine } from '../../jobs/refine/run-refine.js';
import { loadVersion, VERSION_FILES, VERSION_FORMAT } from '../../models/version.js';
import { JUDGE_FORMAT, readJudge } from '../../models/probe/judge.js';

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
  /** Where the judge is written (replaced). Default {@link DEMO_JUDGE_DIR}, or `<out>-judge` with `out`. */
  readonly judgeOut?: string;
  readonly log?: Logger;
  readonly reporter?: () => RunReporter;
  readonly signal?: AbortSignal;
}

/**
 * Rebuilds the embedded model and judge: generates the data, runs the pre-training job, copies its
 * round-0 model to `out` and its fold-0 judge to `judgeOut`. Returns both paths.
 */
export async function buildDemoModel(o: BuildDemoModelOptions): Promise<{ model: string; judge: string }> {
  const dir = resolve(o.dir);
  const out = resolve(o.out ?? DEMO_MODEL_DIR);
  const judgeOut = resolve(o.judgeOut ?? (o.out ? `${out}-judge` : DEMO_JUDGE_DIR));
  // a mistyped --out is refused before ten minutes of work, not after
  await refuseForeignTarget(out, MODEL_DIR);
  await refuseForeignTarget(judgeOut, JUDGE_DIR);
  const dataDir = join(dir, 'data');
  await generateBenchmark({ outDir: dataDir, ...PRETRAIN_DATA });
  const jobDir = join(dir, 'job');
  const r = await runRefine(pretrainConfig(dataDir, jobDir), {
    ...(o.log ? { log: o.log } : {}),
    ...(o.reporter ? { reporter: o.reporter } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  await publishModel(r.finalModelDir, out);
  await publishJudge(r.layout.judge(0, 0, 0), judgeOut);
  return { model: out, judge: judgeOut };
}

/** A kind of directory this module publishes: how to recognise one, and how to check a copy of one. */
interface DirKind {
  readonly name: string;
  readonly is: (dir: string) => Promise<boolean>;
  readonly verify: (dir: string) => Promise<unknown>;
}

const MODEL_DIR: DirKind = {
  name: 'a model version directory',
  is: async (dir) => formatOf(join(dir, VERSION_FILES.manifest)).then((f) => f === VERSION_FORMAT),
  verify: (dir) => loadVersion(dir),
};

const JUDGE_DIR: DirKind = {
  name: 'a judge directory',
  is: async (dir) => formatOf(join(dir, 'judge.json')).then((f) => f === JUDGE_FORMAT),
  verify: (dir) => Promise.resolve(readJudge(dir)),
};

/** The `format` a directory's manifest file declares, or undefined when it has none. */
async function formatOf(file: string): Promise<unknown> {
  try {
    return (JSON.parse(await readFile(file, 'utf8')) as { format?: unknown }).format;
  } catch {
    return undefined;
  }
}

async function refuseForeignTarget(out: string, kind: DirKind): Promise<void> {
  if (existsSync(out) && !(await kind.is(out)))
    throw new Error(`${out}: exists and is not ${kind.name}; refusing to replace it`);
}

/**
 * Copies the directory `src` to `out`, replacing only a directory of the same kind there: a
 * mistyped `out` that holds anything else is refused by name and left as it was. The copy is
 * verified before it takes `out`'s place.
 */
async function publishVerified(src: string, out: string, kind: DirKind): Promise<void> {
  await refuseForeignTarget(out, kind);
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await cp(src, tmp, { recursive: true });
  try {
    await kind.verify(tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  await rm(out, { recursive: true, force: true });
  await rename(tmp, out);
}

/** Copies the model version in `src` to `out`, replacing only a model version there (verified first). */
export function publishModel(src: string, out: string): Promise<void> {
  return publishVerified(src, out, MODEL_DIR);
}

/** Copies the judge in `src` to `out`, replacing only a judge there (verified first). */
export function publishJudge(src: string, out: string): Promise<void> {
  return publishVerified(src, out, JUDGE_DIR);
}
