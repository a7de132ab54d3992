/**
 * Refine-round part of `npm run bench -- distributed` (not a test); alone:
 * `npx tsx research/bench/distributed-refine.ts`.
 *
 * Generates a small benchmark once, then times one whole `flywheel refine` command with one round
 * (frames, the bootstrap caption step, round 0's caption + adatailr steps, training) run by the
 * local runner, and with `--queue` on 1, 2 and 3 `flywheel worker` processes (real CLI processes,
 * started and ready before the clock starts), each in a fresh job dir. Every queued run's round
 * model content hash must equal the local one, or the bench fails. Training stays on the
 * coordinator, so the workers can only speed up the frames and model-inference steps.
 * Knobs: BENCH_REFINE_CLIPS (default 96), BENCH_REFINE_SHARD (default 16), BENCH_REFINE_WORKERS
 * (default 1,2,3), BENCH_REFINE_REPEATS (default 1; the best time of each configuration is kept).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateBenchmark } from '../benchmark/generate.js';
import { startBenchRedis } from './redis.js';
import { formatRefineRoundTable, hashMismatches, type RefineRoundRow } from './refine-rounds-table.js';

const CLIPS = Number(process.env.BENCH_REFINE_CLIPS ?? 96);
const SHARD = Number(process.env.BENCH_REFINE_SHARD ?? 16);
const REPEATS = Number(process.env.BENCH_REFINE_REPEATS ?? 1);
const WORKERS = (process.env.BENCH_REFINE_WORKERS ?? '1,2,3').split(',').map(Number);
const SEED = 11;
const bin = resolve(import.meta.dirname, '../../bin/flywheel.js');

/** One round of the tiny model, short training, one ORT thread (bit-reproducible across machines). */
function refineConfig(dataDir: string, jobDir: string): Record<string, unknown> {
  return {
    run_dir: jobDir,
    manifest: join(dataDir, 'clips.parquet'),
    media_root: dataDir,
    shard_size: SHARD,
    seed: 5,
    rounds: 1,
    model: { preset: 'tiny', vocab_size: 256, max_caption_len: 24, max_text_len: 24 },
    device: { providers: ['cpu'], threads: 1 },
    train: {
      loss: { kind: 'adatailr', warmupSteps: 5 },
      pretrain: { epochs: 2, lr: 3e-3, batch_size: 16, warmup_steps: 2 },
      finetune: { epochs: 1, lr: 1e-3, batch_size: 8, warmup_steps: 0 },
    },
    judge: { epochs: 3, batch_size: 16 },
    eval: { max_clips: 4 },
  };
}

/** Runs `flywheel <args>` to the end; throws with the tail of its stderr when it fails. */
function flywheel(args: readonly string[]): Promise<void> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => void (err = (err + d.toString()).slice(-4000)));
  return new Promise((res, reject) =>
    child.once('close', (code) =>
      code === 0 ? res() : reject(new Error(`flywheel ${args.join(' ')} exited ${code}:\n${err}`)),
    ),
  );
}

/** A `flywheel worker` for CPU and GPU-declared steps (the model runs on ORT's CPU provider). */
function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, 'worker', '--queue', url, '--resources', 'gpu,cpu', '--poll-ms', '100'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((ready, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('"worker ready"')) {
        err = '';
        ready(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${err}`)));
  });
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function roundModel(jobDir: string): Promise<string> {
  const record = JSON.parse(await readFile(join(jobDir, 'metrics', 'round-0.json'), 'utf8')) as {
    modelVersion: string;
  };
  return record.modelVersion;
}

/** Runs the refine-round benchmark and prints its table; throws when a queued model differs. */
export async function run(workerCounts: readonly number[] = WORKERS): Promise<RefineRoundRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'flywheel-bench-refine-'));
  const redis = await startBenchRedis();
  try {
    const dataDir = join(dir, 'data');
    const t0 = performance.now();
    await generateBenchmark({
      outDir: dataDir,
      clips: CLIPS,
      seed: SEED,
      noise: 0.4,
      humanFrac: 0.1,
      heldoutFrac: 0.25,
    });
    console.log(`benchmark: ${CLIPS} clips (seed ${SEED}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const best = new Map<number, number>();
    const versions = new Map<number, Set<string>>();
    const loads: number[] = [];
    let runs = 0;
    const measure = async (workers: number, queue: boolean): Promise<void> => {
      const jobDir = join(dir, `job-${runs}`);
      const cfg = join(dir, `job-${runs++}.json`);
      await writeFile(cfg, JSON.stringify(refineConfig(dataDir, jobDir)));
      loads.push(loadavg()[0]);
      const start = performance.now();
      await flywheel(['refine', cfg, ...(queue ? ['--queue', redis.url] : [])]);
      const seconds = (performance.now() - start) / 1000;
      const modelVersion = await roundModel(jobDir);
      console.log(
        `  ${queue ? `queue, ${workers} worker(s)` : 'local runner'}: ${seconds.toFixed(1)} s, round model ${modelVersion}`,
      );
      best.set(workers, Math.min(best.get(workers) ?? Infinity, seconds));
      versions.set(workers, (versions.get(workers) ?? new Set()).add(modelVersion));
      await rm(jobDir, { recursive: true, force: true });
    };
    for (let rep = 0; rep < REPEATS; rep++) {
      await measure(0, false);
      for (const n of workerCounts) {
        const workers = await Promise.all(Array.from({ length: n }, () => startWorker(redis.url)));
        try {
          await measure(n, true);
        } finally {
          await Promise.all(workers.map(stopWorker));
        }
      }
    }
    const local = [...versions.get(0)!][0];
    // a configuration that ever produced another model than the local runner's first run shows that one
    const rows: RefineRoundRow[] = [0, ...workerCounts].map((n) => ({
      config: n === 0 ? 'local runner' : `queue, ${n} worker${n === 1 ? '' : 's'}`,
      workers: n,
      seconds: best.get(n)!,
      modelVersion: [...versions.get(n)!].find((v) => v !== local) ?? local,
    }));
    const load = loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length);
    console.log(
      `\nrefine round (1 round, tiny model, ORT 1 thread): ${CLIPS} clips, ${SHARD} clips/shard, Node ${process.version}; best of ${REPEATS}; mean 1-min load average ${load.toFixed(1)}`,
    );
    console.log(`round model (local): ${local}`);
    console.log(formatRefineRoundTable(rows, availableParallelism()));
    const bad = hashMismatches(rows);
    if (bad.length > 0) {
      throw new Error(
        `refine-round bench FAILED: round model differs from the local one (${local}) for ${bad.map((r) => `${r.config}: ${r.modelVersion}`).join('; ')}`,
      );
    }
    console.log('round model identical in every configuration');
    return rows;
  } finally {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && /bench[\\/]distributed-refine\.ts$/.test(process.argv[1]);
if (isMain) {
  await run();
}
