/**
 * `flywheel refine --queue`: a small refine job whose frames, caption and adatailr steps run on three
 * real `flywheel worker` processes (two GPU-declared, one CPU-only) against a real redis-server gives
 * the same sorted tables, the same model content hashes and the same export as the local refine;
 * the CPU-only worker never runs a model step. With one worker killed with SIGKILL mid-round, the
 * run still finishes with the same result, and so it does across a Redis restart, and when the
 * coordinator is SIGKILLed mid-round and the same command is run again (it follows the round still
 * queued). A `flywheel schedule --once --queue` tick matches a local tick.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../../config/refine.js';
import type { RunStatus } from '../../../jobs/distributed/index.js';
import { QUEUE_PREFIX, queueNames } from '../../../jobs/distributed/names.js';
import { exportRound } from '../../../jobs/export/export-round.js';
import type { RoundRecord } from '../../../jobs/refine/round-metrics.js';
import { runRefine } from '../../../jobs/refine/run-refine.js';
import { scheduleLayout } from '../../../jobs/schedule/tick-state.js';
import { runTick } from '../../../jobs/schedule/tick.js';
import { readParquetRows } from '../../../pipeline/parquet-file.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import { generateBenchmark } from '../../../research/benchmark/generate.js';
import { runCli, startCli, writeConfig } from '../../helpers/cli.js';
import { redisUnavailableReason, startRedis, type RedisHandle } from '../../helpers/redis-server.js';
import { tempDir } from '../../helpers/tmp.js';

const skip = redisUnavailableReason();
if (skip) console.warn(`[test/jobs/distributed/refine-queue] ${skip}`);

const ROUNDS = 2;
const TABLES = [
  'frames/frames',
  'bootstrap/caption',
  ...Array.from({ length: ROUNDS }, (_, k) => [`round-${k}/caption`, `round-${k}/adatailr`]).flat(),
];

/** 48 clips, 2 rounds of the tiny model with short training, one ORT thread (bit-reproducible). */
function configFor(dataDir: string, jobDir: string): Record<string, unknown> {
  return {
    run_dir: jobDir,
    manifest: join(dataDir, 'clips.parquet'),
    media_root: dataDir,
    shard_size: 16,
    seed: 5,
    rounds: ROUNDS,
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

async function sortedTable(dir: string, drop: readonly string[] = []): Promise<string[]> {
  const rows: string[] = [];
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.parquet')).sort()) {
    for (const r of await readParquetRows<Record<string, unknown>>(join(dir, f))) {
      for (const d of drop) delete r[d];
      rows.push(JSON.stringify(r, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v)));
    }
  }
  return rows.sort();
}

async function modelHashes(jobDir: string): Promise<string[]> {
  const out: string[] = [];
  for (let k = 0; k < ROUNDS; k++)
    out.push(
      (JSON.parse(await readFile(join(jobDir, 'metrics', `round-${k}.json`), 'utf8')) as RoundRecord).modelVersion,
    );
  return out;
}

type Worker = ReturnType<typeof startCli>;

/** The step names a worker's log says it completed. */
function stepsDone(log: string): string[] {
  return [...log.matchAll(/"step":"([^"]+)"[^\n]*"msg":"task done"/g)].map((m) => m[1]);
}

describe.skipIf(skip !== null)('flywheel refine --queue', () => {
  let redis: RedisHandle;
  let dir: string;
  let dataDir: string;
  let localExport: string[];
  const workers: Worker[] = [];
  const startWorker = (
    resources: string,
    onStderr?: (chunk: string, w: Worker) => void,
    url: string = redis.url,
  ): Worker => {
    const w: Worker = startCli(
      [
        'worker',
        '--queue',
        url,
        '--resources',
        resources,
        '--poll-ms',
        '200',
        '--lock-ms',
        '3000',
        '--stalled-ms',
        '1000',
        '--grace-ms',
        '0',
      ],
      { ...(onStderr ? { onStderr: (chunk: string) => onStderr(chunk, w) } : {}) },
    );
    workers.push(w);
    return w;
  };
  const stopWorkers = async (): Promise<Awaited<Worker['done']>[]> => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    const done = await Promise.all(workers.map((w) => w.done));
    workers.length = 0;
    return done;
  };

  beforeAll(async () => {
    redis = await startRedis();
    dir = await tempDir('flywheel-refine-queue-');
    dataDir = join(dir, 'data');
    await generateBenchmark({ outDir: dataDir, clips: 48, seed: 11, noise: 0.4, humanFrac: 0.1, heldoutFrac: 0.25 });
    const quiet = pino({ level: 'silent' });
    await runRefine(parseRefineConfig(configFor(dataDir, join(dir, 'local'))), {
      log: quiet,
      reporter: () => new JsonReporter(quiet),
    });
    localExport = await sortedTable((await exportRound({ jobDir: join(dir, 'local') })).dir, ['run_id']);
  }, 600_000);
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.done));
    await redis?.stop();
  });

  async function expectSameAsLocal(jobDir: string): Promise<void> {
    for (const t of TABLES)
      expect(await sortedTable(join(jobDir, t)), t).toEqual(await sortedTable(join(dir, 'local', t)));
    expect(await modelHashes(jobDir)).toEqual(await modelHashes(join(dir, 'local')));
    expect(await sortedTable((await exportRound({ jobDir })).dir, ['run_id'])).toEqual(localExport);
  }

  it('three workers (two GPU, one CPU-only) give the same tables, model hashes and export as the local refine', async () => {
    startWorker('gpu,cpu');
    startWorker('gpu,cpu');
    startWorker('cpu');
    const jobDir = join(dir, 'queued');
    const cfg = await writeConfig(dir, configFor(dataDir, jobDir), 'queued.json');
    const r = await runCli(['refine', cfg, '--queue', redis.url]);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const logs = (await stopWorkers()).map((w) => w.stderr);
    await expectSameAsLocal(jobDir);
    // the model steps (a writer's captions, the adatailr scores) ran on GPU-declared workers only
    const cpuOnly = stepsDone(logs[2]);
    expect(cpuOnly.filter((s) => s.includes('adatailr'))).toEqual([]);
    const gpu = [...stepsDone(logs[0]), ...stepsDone(logs[1])];
    expect(gpu.filter((s) => s.includes('adatailr')).length).toBeGreaterThan(0);
    // frames and every round's steps ran on workers, not on the coordinator
    expect(new Set([...gpu, ...cpuOnly])).toEqual(
      new Set(['frames', 'attach-frames+caption', 'attach-frames+caption+adatailr']),
    );
  }, 600_000);

  it('a worker killed with SIGKILL mid-round: the run finishes with the same result', async () => {
    let coordinatorInRound1 = false;
    let killed = false;
    const victim = startWorker('gpu,cpu', (chunk, w) => {
      if (!killed && coordinatorInRound1 && /"msg":"task done"/.test(chunk)) {
        killed = true;
        w.child.kill('SIGKILL'); // between or inside its shard tasks of round 1: its lock expires, another worker retries
      }
    });
    startWorker('gpu,cpu');
    const jobDir = join(dir, 'killed');
    const cfg = await writeConfig(dir, configFor(dataDir, jobDir), 'killed.json');
    const coordinator = startCli(['refine', cfg, '--queue', redis.url], {
      onStderr: (chunk) => {
        if (/"round":1,[^\n]*"msg":"round started"/.test(chunk)) coordinatorInRound1 = true;
      },
    });
    const r = await coordinator.done;
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(killed).toBe(true);
    expect((await victim.done).signal).toBe('SIGKILL');
    await stopWorkers();
    await expectSameAsLocal(jobDir);
  }, 600_000);

  it('the coordinator killed with SIGKILL mid-round, then run again: it follows the queued round and finishes with the same result', async () => {
    // once round 1's run is queued and a worker has committed one of its shard tasks: SIGKILL the
    // coordinator and stop the workers (their running tasks go back to the queue), so round 1 stays queued
    let round1Queued = false;
    let killed = false;
    const jobDir = join(dir, 'coordinator-killed');
    const cfg = await writeConfig(dir, configFor(dataDir, jobDir), 'coordinator-killed.json');
    const args = ['refine', cfg, '--queue', redis.url, '--keep-completed', '1h'];
    const round1 = /round-1"[^\n]*"following":(true|false)[^\n]*"msg":"queued run; waiting for workers"/;
    const coordinator = startCli(args, {
      onStderr: (chunk) => {
        if (round1.test(chunk)) round1Queued = true;
      },
    });
    const onWorker = (chunk: string): void => {
      if (!killed && round1Queued && /"msg":"task done"/.test(chunk)) {
        killed = true;
        coordinator.child.kill('SIGKILL');
        for (const w of workers) w.child.kill('SIGTERM');
      }
    };
    startWorker('gpu,cpu', onWorker);
    startWorker('gpu,cpu', onWorker);
    const first = await coordinator.done;
    expect(killed).toBe(true);
    expect(first.signal, first.stderr.slice(-3000)).toBe('SIGKILL');
    await stopWorkers();
    expect(existsSync(join(jobDir, 'metrics', 'round-1.json'))).toBe(false);
    // the same command again: a CPU worker serves the frames and bootstrap runs it re-queues (every
    // shard skipped); round 1's GPU step waits for a GPU worker, started only once the coordinator
    // has queued (found) round 1, so the coordinator finds it still running and follows it
    startWorker('cpu');
    let gpuWorker = false;
    const again = await startCli(args, {
      onStderr: (chunk) => {
        if (!gpuWorker && round1.test(chunk)) {
          gpuWorker = true;
          startWorker('gpu,cpu');
        }
      },
    }).done;
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    expect(round1.exec(again.stderr)?.[1]).toBe('true');
    await stopWorkers();
    await expectSameAsLocal(jobDir);
    // flywheel status: the job, then each of its runs in the order they ran, each step's done/total
    const all = JSON.parse((await runCli(['status', '--queue', redis.url, '--json'])).stdout) as RunStatus[];
    const mine = all.filter((s) => s.job?.dir === jobDir);
    expect(mine.map((s) => [s.job?.name, s.run_dir]).sort()).toEqual(
      ['bootstrap', 'frames', 'round-0', 'round-1'].map((n) => [n, join(jobDir, n)]),
    );
    const text = (await runCli(['status', '--queue', redis.url])).stdout;
    const block = text.split('\n\n').find((b) => b.startsWith(`job ${jobDir} `)) ?? text;
    const id = (n: string): string => mine.find((s) => s.job?.name === n)?.run_id ?? n;
    expect(block.split('\n').map((l) => l.replace(/\s+(waiting|active|retrying|failed) \d+/g, ''))).toEqual([
      `job ${jobDir} [done]: 4 runs, 4 done`,
      `  frames [done] run ${id('frames')}: 3 shards`,
      expect.stringMatching(/^ {4}frames +cpu {2}done 3\/3$/),
      `  bootstrap [done] run ${id('bootstrap')}: 3 shards`,
      expect.stringMatching(/^ {4}attach-frames\+caption +cpu {2}done 3\/3$/),
      `  round-0 [done] run ${id('round-0')}: 3 shards`,
      expect.stringMatching(/^ {4}attach-frames\+caption\+adatailr +gpu {2}done 3\/3$/),
      `  round-1 [done] run ${id('round-1')}: 3 shards`,
      expect.stringMatching(/^ {4}attach-frames\+caption\+adatailr +gpu {2}done 3\/3$/),
    ]);
    // --keep-completed 1h: every job of the job's runs (frames, bootstrap, each round) is kept an hour
    const runs = mine.map((s) => s.run_id);
    expect(runs).toHaveLength(4);
    const kept: unknown[] = [];
    for (const name of queueNames) {
      const q = new Queue(name, { connection: { url: redis.url }, prefix: QUEUE_PREFIX, skipMetasUpdate: true });
      try {
        for (const job of await q.getJobs(['completed']))
          if (runs.some((r) => job.id?.startsWith(`${r}.`))) kept.push(job.opts.removeOnComplete);
      } finally {
        await q.close();
      }
    }
    expect(kept.length).toBeGreaterThan(4 * 3);
    expect(new Set(kept.map((k) => JSON.stringify(k)))).toEqual(new Set([JSON.stringify({ age: 3600 })]));
  }, 600_000);

  it('Redis restarted mid-round (append-only file, fsync always): the run resumes and finishes with the same result', async () => {
    const persistent = await startRedis({ persist: true });
    try {
      // restart once round 1's run is queued and a worker has committed one of its shard tasks
      let round1Queued = false;
      let restart: Promise<void> | undefined;
      const onWorker = (chunk: string): void => {
        if (!restart && round1Queued && /"msg":"task done"/.test(chunk)) restart = persistent.restart();
      };
      startWorker('gpu,cpu', onWorker, persistent.url);
      startWorker('gpu,cpu', onWorker, persistent.url);
      const jobDir = join(dir, 'restarted');
      const cfg = await writeConfig(dir, configFor(dataDir, jobDir), 'restarted.json');
      const coordinator = startCli(['refine', cfg, '--queue', persistent.url], {
        onStderr: (chunk) => {
          if (/round-1"[^\n]*"msg":"queued run; waiting for workers"/.test(chunk)) round1Queued = true;
        },
      });
      const r = await coordinator.done;
      expect(restart).toBeDefined();
      await restart;
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      await stopWorkers();
      await expectSameAsLocal(jobDir);
    } finally {
      await persistent.stop();
    }
  }, 600_000);

  it('flywheel schedule --once --queue: a tick on workers gives the same tables and export as a local tick', async () => {
    const tickConfig = (jobDir: string): Record<string, unknown> => ({
      run_dir: jobDir,
      manifest: join(dataDir, 'clips.parquet'),
      media_root: dataDir,
      shard_size: 16,
      model: { init: join(dir, 'local', 'models', `round-${ROUNDS - 1}`) },
      device: { providers: ['cpu'], threads: 1 },
      judge: { epochs: 3, batch_size: 16 },
    });
    const quiet = pino({ level: 'silent' });
    const local = await runTick(parseRefineConfig(tickConfig(join(dir, 'tick-local'))), {
      log: quiet,
      reporter: () => new JsonReporter(quiet),
    });
    expect(local.status).toBe('done');
    startWorker('gpu,cpu');
    startWorker('cpu');
    const cfg = await writeConfig(dir, tickConfig(join(dir, 'tick-queued')), 'tick.json');
    const r = await runCli(['schedule', cfg, '--once', '--queue', redis.url]);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ status: 'done', tick: 0, clips: 48 });
    const logs = (await stopWorkers()).map((w) => w.stderr);
    expect(stepsDone(logs[0]).some((st) => st.includes('adatailr'))).toBe(true);
    // status groups the tick's runs under the job's dir, named by their path in it
    const all = JSON.parse((await runCli(['status', '--queue', redis.url, '--json'])).stdout) as RunStatus[];
    const names = all.filter((s) => s.job?.dir === join(dir, 'tick-queued')).map((s) => s.job?.name);
    expect(names).toEqual(expect.arrayContaining(['schedule/tick-00000/frames', 'schedule/tick-00000/run']));
    expect(names.every((n) => n?.startsWith('schedule/tick-00000/'))).toBe(true);
    const [a, b] = [scheduleLayout(join(dir, 'tick-local')), scheduleLayout(join(dir, 'tick-queued'))];
    for (const t of ['frames', 'caption', 'adatailr']) {
      const [x, y] = t === 'frames' ? [a.tickFrames(0), b.tickFrames(0)] : [a.tickRun(0), b.tickRun(0)];
      expect(await sortedTable(join(y, t)), t).toEqual(await sortedTable(join(x, t)));
    }
    expect(await sortedTable(b.tickExport(0), ['run_id'])).toEqual(await sortedTable(a.tickExport(0), ['run_id']));
  }, 600_000);
});
