/**
 * Distributed-run benchmark (not a test): `npx tsx research/bench/distributed.ts`.
 *
 * Throughput (shards/s, frame rows/s) of one frames run queued on a private Redis and processed by
 * 1, 2 and 3 `flywheel worker` processes (the real CLI, started and ready before the run is
 * queued), with the ratio to 1 worker; plus the local runner on the same input as a reference for
 * the queue's overhead. Each worker runs one ffmpeg at a time (`frames.concurrency: 1`), so the
 * worker count is the parallelism. The configurations are measured round-robin BENCH_REPEATS times
 * (default 2) and the best time of each is kept, which damps the noise of a shared machine; the
 * load average is printed with the table. Knobs: BENCH_CLIPS (default 96), BENCH_SHARD (default 4).
 *
 * Then a refine round, local vs 1, 2 and 3 workers (`distributed-refine.ts`, its own knobs).
 * BENCH_DIST=frames or BENCH_DIST=refine runs only that part.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { enqueueConfig } from '../../jobs/distributed/config-run.js';
import { waitForRun } from '../../jobs/distributed/index.js';
import { runConfig } from '../../jobs/run/run-config.js';
import { JsonReporter } from '../../pipeline/reporter.js';
import { loadConfigFile } from '../../config/load.js';
import { configSchema } from '../../config/run.js';
import { resolveBinaries } from '../../stages/frames/ffmpeg.js';
import { startBenchRedis } from './redis.js';

const CLIPS = Number(process.env.BENCH_CLIPS ?? 96);
const SHARD = Number(process.env.BENCH_SHARD ?? 4);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 2);
const FRAMES = 8;
const bin = resolve(import.meta.dirname, '../../bin/flywheel.js');

/** One row of the result table. */
export interface DistributedBenchRow {
  readonly mode: string;
  readonly workers: number;
  readonly shards: number;
  readonly rows: number;
  readonly seconds: number;
  readonly shardsPerS: number;
  readonly rowsPerS: number;
  /** Throughput relative to the queue with 1 worker. */
  readonly vsOneWorker: number;
}

function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, 'worker', '--queue', url, '--poll-ms', '100'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolveReady, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('"worker ready"')) resolveReady(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${err}`)));
  });
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Runs the frames part and then the refine-round part (or the one BENCH_DIST names). */
export async function run(): Promise<void> {
  const part = process.env.BENCH_DIST ?? 'all';
  if (part !== 'refine') await runFrames();
  if (part !== 'frames') await (await import('./distributed-refine.js')).run();
}

/** The frames part: prints its table and returns its rows. */
export async function runFrames(workerCounts: readonly number[] = [1, 2, 3]): Promise<DistributedBenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'flywheel-bench-dist-'));
  const redis = await startBenchRedis();
  try {
    const media = join(dir, 'media');
    const exec = promisify(execFile);
    await exec('mkdir', ['-p', media]);
    const videos = [0, 1, 2, 3].map((i) => `v${i}.mp4`);
    await Promise.all(
      videos.map((v, i) =>
        exec(resolveBinaries().ffmpeg, [
          '-y',
          '-v',
          'error',
          '-f',
          'lavfi',
          '-i',
          `testsrc2=size=160x120:rate=25:duration=10`,
          '-vf',
          `hue=h=${i * 60}`,
          '-c:v',
          'libx264',
          '-preset',
          'ultrafast',
          '-g',
          '25',
          '-pix_fmt',
          'yuv420p',
          join(media, v),
        ]),
      ),
    );
    const lines = Array.from({ length: CLIPS }, (_, i) =>
      JSON.stringify({
        clip_id: `c${i}`,
        video_uri: videos[i % videos.length],
        start_s: i % 8,
        end_s: (i % 8) + 2,
        asr_text: `clip ${i}`,
      }),
    );
    await writeFile(join(dir, 'clips.jsonl'), `${lines.join('\n')}\n`);
    const writeConfig = async (name: string): Promise<string> => {
      const p = join(dir, `${name}.json`);
      await writeFile(
        p,
        JSON.stringify({
          run_dir: `runs/${name}`,
          manifest: 'clips.jsonl',
          media_root: 'media',
          shard_size: SHARD,
          stages: { frames: { count: FRAMES, width: 112, height: 112, concurrency: 1 } },
        }),
      );
      return p;
    };

    const frameRows = CLIPS * FRAMES;
    let shards = 0;
    let runs = 0;
    const best = new Map<string, number>();
    const keep = (key: string, seconds: number): void =>
      void best.set(key, Math.min(best.get(key) ?? Infinity, seconds));
    const loads: number[] = [];
    for (let rep = 0; rep < REPEATS; rep++) {
      for (const n of workerCounts) {
        const workers = await Promise.all(Array.from({ length: n }, () => startWorker(redis.url)));
        try {
          loads.push(loadavg()[0]);
          const config = await loadConfigFile(configSchema, await writeConfig(`queue-${n}-${runs++}`));
          const t0 = performance.now();
          const queued = await enqueueConfig(config, { url: redis.url });
          const status = await waitForRun({ connection: { url: redis.url }, runId: queued.runId, pollMs: 100 });
          if (status.state !== 'done') throw new Error(`run with ${n} workers ${status.state}: ${status.error ?? ''}`);
          keep(`queue-${n}`, (performance.now() - t0) / 1000);
          shards = status.shards;
        } finally {
          await Promise.all(workers.map(stopWorker));
        }
      }
      const config = await loadConfigFile(configSchema, await writeConfig(`local-${runs++}`));
      const t0 = performance.now();
      await runConfig(config, { reporter: new JsonReporter(pino({ level: 'silent' })) });
      keep('local', (performance.now() - t0) / 1000);
    }
    const oneWorker = shards / (best.get('queue-1') ?? NaN);
    const row = (mode: string, workers: number, seconds: number): DistributedBenchRow => ({
      mode,
      workers,
      shards,
      rows: frameRows,
      seconds,
      shardsPerS: shards / seconds,
      rowsPerS: frameRows / seconds,
      vsOneWorker: shards / seconds / oneWorker,
    });
    const rows = [
      ...workerCounts.map((n) => row('queue', n, best.get(`queue-${n}`) ?? NaN)),
      row('local runner', 1, best.get('local') ?? NaN),
    ];
    const load = loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length);
    console.log(
      `distributed frames run: ${CLIPS} clips × ${FRAMES} frames (112×112), ${SHARD} clips/shard, ${availableParallelism()} cores, Node ${process.version}; best of ${REPEATS}; mean 1-min load average ${load.toFixed(1)}`,
    );
    console.log('mode          workers  shards  rows   seconds  shards/s  rows/s   vs 1 worker');
    for (const r of rows) {
      console.log(
        `${r.mode.padEnd(13)} ${String(r.workers).padStart(7)} ${String(r.shards).padStart(7)} ${String(r.rows).padStart(5)} ${r.seconds.toFixed(2).padStart(9)} ${r.shardsPerS.toFixed(2).padStart(9)} ${r.rowsPerS.toFixed(1).padStart(7)} ${r.vsOneWorker.toFixed(2).padStart(10)}x`,
      );
    }
    return rows;
  } finally {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && /bench[\\/]distributed\.ts$/.test(process.argv[1]);
if (isMain) {
  await run();
}
