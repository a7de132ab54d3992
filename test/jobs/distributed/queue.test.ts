/**
 * Distributed runs against a real Redis with in-process workers: a two-stage run, retry with
 * back-off of a transient fault, a systemic failure that fails the run at once, resource routing
 * (a GPU task is never taken by a CPU worker) and status counts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runStatus, startWorker, waitForRun, type WorkerHandle } from '../../../jobs/distributed/index.js';
import { COMPLETED_JOB_RETENTION } from '../../../jobs/distributed/index.js';
import { QUEUE_PREFIX, shardJobId } from '../../../jobs/distributed/names.js';
import { doneShards } from '../../../pipeline/ledger.js';
import { LocalStorage } from '../../../pipeline/storage.js';
import { redisUnavailableReason, startRedis, type RedisHandle } from '../../helpers/redis-server.js';
import { buildTestStages } from './fixtures/stages.js';
import { canonical, enqueueTest, stageRows, workDir } from './fixtures/harness.js';

const skip = redisUnavailableReason();
if (skip) console.warn(`[test/jobs/distributed] ${skip}`);

/** Polls the run's status until `ok` holds (the test's timeout bounds the wait). */
async function statusWhen(
  url: string,
  runId: string,
  ok: (s: Awaited<ReturnType<typeof runStatus>>) => boolean,
): Promise<Awaited<ReturnType<typeof runStatus>>> {
  for (;;) {
    const s = await runStatus({ connection: { url }, runId });
    if (ok(s) || s.state !== 'running') return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const fast = { pollMs: 100, lockDurationMs: 5000, stalledIntervalMs: 5000 } as const;

describe.skipIf(skip !== null)('distributed runs (in-process workers)', () => {
  let redis: RedisHandle;
  const workers: WorkerHandle[] = [];
  const work = workDir(8);
  const worker = (opts: Partial<Parameters<typeof startWorker>[0]> = {}): WorkerHandle => {
    const w = startWorker({
      connection: { url: redis.url },
      stages: (spec) => buildTestStages(spec.stage_config),
      ...fast,
      ...opts,
    });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    // a worker serves every queued run: stop each test's workers so they cannot serve the next test's run
    await Promise.all(workers.splice(0).map((w) => w.close()));
  });
  afterAll(async () => {
    await redis?.stop();
    work.cleanup();
  });

  it('runs a two-stage run to completion: every clip once per stage, ledger and summary written', async () => {
    const runDir = join(work.dir, 'two-stage');
    const run = await enqueueTest(
      redis.url,
      runDir,
      work.manifest,
      { stages: [{ kind: 'normalise' }, { kind: 'words' }] },
      { shardSize: 2 },
    );
    expect(run.meta.shards).toHaveLength(4);
    const w = worker();
    const s = await waitForRun({ connection: { url: redis.url }, runId: run.runId, pollMs: 100 });
    expect(s.error).toBeUndefined();
    expect(s.state).toBe('done');
    expect(s.steps.map((st) => [st.name, st.done, st.waiting, st.active, st.failed])).toEqual([
      ['normalise', 4, 0, 0, 0],
      ['words', 4, 0, 0, 0],
    ]);
    expect(s.workers.map((x) => x.id)).toEqual([w.id]);
    expect(s.workers[0].shards).toBe(8);
    const words = await stageRows(runDir, 'words');
    expect(words.map((r) => r.clip_id).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `clip-${String(i).padStart(4, '0')}`),
    );
    expect(words.find((r) => r.clip_id === 'clip-0001')).toEqual({ clip_id: 'clip-0001', words: 5, chars: 23 });
    expect((await doneShards(new LocalStorage(runDir))).size).toBe(4);
    expect(canonical(await stageRows(runDir, 'normalise'))).toHaveLength(8);
  });

  it('retries a transient failure with exponential back-off and completes', async () => {
    const runDir = join(work.dir, 'retry');
    const faultDir = join(work.dir, 'faults');
    const run = await enqueueTest(
      redis.url,
      runDir,
      work.manifest,
      { stages: [{ kind: 'normalise', fault_dir: faultDir, fault_shards: ['shard-00001'] }] },
      { shardSize: 4, retry: { attempts: 3, backoff_ms: 300 } },
    );
    const events: string[] = [];
    worker({ onTask: (e) => void (e.shard === 'shard-00001' && events.push(`${e.type} ${e.attempt}`)) });
    const s = await waitForRun({ connection: { url: redis.url }, runId: run.runId, pollMs: 100 });
    expect(s.state).toBe('done');
    expect(s.steps[0].done).toBe(2);
    const attempts = readFileSync(join(faultDir, 'normalise-shard-00001.log'), 'utf8').trim().split('\n').map(Number);
    expect(attempts).toHaveLength(2);
    // BullMQ delays the retry by at least the back-off (exponential: 300 ms × 2^0 for the first retry)
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(300);
    expect(events).toEqual(['start 1', 'retry 1', 'start 2', 'done 2']); // the failed attempt and the successful one
    const q = new Queue('cpu', { connection: { url: redis.url }, prefix: QUEUE_PREFIX });
    try {
      // kept, completed, for a day: the fixed queue holds it under the run's id
      const job = await q.getJob(shardJobId(run.runId, 0, 'shard-00001'));
      expect(await job?.getState()).toBe('completed');
      expect(job?.data).toEqual({ run: run.runId, step: 0, shard: 'shard-00001' });
      expect(job?.opts.removeOnComplete).toEqual(COMPLETED_JOB_RETENTION);
    } finally {
      await q.close();
    }
    expect((await stageRows(runDir, 'normalise')).length).toBe(8);
  });

  it('fails the run at once, with the cause, on a systemic failure', async () => {
    const runDir = join(work.dir, 'systemic');
    const run = await enqueueTest(
      redis.url,
      runDir,
      work.manifest,
      { stages: [{ kind: 'normalise' }] },
      { shardSize: 4, retry: { attempts: 5, backoff_ms: 50 } },
    );
    // a worker whose config disagrees with the run: its stage list differs
    worker({ stages: () => buildTestStages({ stages: [{ kind: 'words' }] }) });
    const s = await waitForRun({ connection: { url: redis.url }, runId: run.runId, pollMs: 100 });
    expect(s.state).toBe('failed');
    expect(s.error).toMatch(/stages \[words\] differ from run .*'s \[normalise\]/);
  });

  it('refuses to queue a run that is already queued and running; re-queues it once it ended', async () => {
    const runDir = join(work.dir, 'twice');
    const pipeline = { stages: [{ kind: 'normalise' as const }] };
    const first = await enqueueTest(redis.url, runDir, work.manifest, pipeline, { shardSize: 4 });
    await expect(enqueueTest(redis.url, runDir, work.manifest, pipeline, { shardSize: 4 })).rejects.toThrow(
      new RegExp(`run ${first.runId} .* is already queued and running; follow it with \`flywheel status`),
    );
    worker();
    expect((await waitForRun({ connection: { url: redis.url }, runId: first.runId, pollMs: 100 })).state).toBe('done');
    const again = await enqueueTest(redis.url, runDir, work.manifest, pipeline, { shardSize: 4 });
    expect(again.runId).toBe(first.runId);
    expect(again.resumed).toBe(true);
    const s = await waitForRun({ connection: { url: redis.url }, runId: first.runId, pollMs: 100 });
    expect(s.state).toBe('done');
    expect(s.steps[0].done).toBe(2);
  });

  it('fails the run after the last attempt when a fault never clears (no endless retries)', async () => {
    const runDir = join(work.dir, 'always');
    const run = await enqueueTest(
      redis.url,
      runDir,
      work.manifest,
      {
        stages: [
          {
            kind: 'normalise',
            fault_dir: join(work.dir, 'always-faults'),
            fault_shards: ['shard-00000'],
            always_fail: true,
          },
        ],
      },
      { shardSize: 4, retry: { attempts: 3, backoff_ms: 20 } },
    );
    worker();
    const s = await waitForRun({ connection: { url: redis.url }, runId: run.runId, pollMs: 100 });
    expect(s.state).toBe('failed');
    expect(s.error).toMatch(
      /step normalise, shard-00000: failed after 3 attempt\(s\): injected fault in normalise shard-00000/,
    );
    expect(
      readFileSync(join(work.dir, 'always-faults', 'normalise-shard-00000.log'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(3);
    expect(s.steps[0].failed).toBe(1);
  });

  it('routes GPU tasks to GPU workers only, and status counts each stage', async () => {
    const runDir = join(work.dir, 'routing');
    const run = await enqueueTest(
      redis.url,
      runDir,
      work.manifest,
      { stages: [{ kind: 'normalise' }, { kind: 'words', gpu: true }] },
      { shardSize: 2 },
    );
    const took = new Map<string, string[]>();
    const record =
      (name: string) =>
      (e: { type: string; step: string; shard: string }): void => {
        if (e.type === 'done') took.set(name, [...(took.get(name) ?? []), `${e.step} ${e.shard}`]);
      };
    const cpu = worker({ resources: ['cpu'], onTask: record('cpu') });
    // stage 1 (CPU) done, its barrier passed, stage 2's GPU tasks queued: nobody may take them
    const mid = await statusWhen(redis.url, run.runId, (s) => s.steps[0].done === 4 && s.steps[1].waiting === 4);
    expect(mid.state).toBe('running');
    expect(
      mid.steps.map((st) => ({
        name: st.name,
        class: st.class,
        shards: st.shards,
        waiting: st.waiting,
        active: st.active,
        delayed: st.delayed,
        failed: st.failed,
        done: st.done,
      })),
    ).toEqual([
      { name: 'normalise', class: 'cpu', shards: 4, waiting: 0, active: 0, delayed: 0, failed: 0, done: 4 },
      { name: 'words', class: 'gpu', shards: 4, waiting: 4, active: 0, delayed: 0, failed: 0, done: 0 },
    ]);
    expect(mid.workers.map((w) => [w.id, w.shards, w.live])).toEqual([[cpu.id, 4, true]]);
    expect(cpu.queues().sort()).toEqual(['control', 'cpu']); // the fixed queues, whatever the run
    expect(cpu.runs()).toEqual([run.runId]);

    const gpu = worker({ resources: ['gpu'], onTask: record('gpu') });
    const end = await waitForRun({ connection: { url: redis.url }, runId: run.runId, pollMs: 100 });
    expect(end.state).toBe('done');
    expect(end.steps.map((st) => st.done)).toEqual([4, 4]);
    expect(Object.fromEntries(end.workers.map((w) => [w.id, w.shards]))).toEqual({ [cpu.id]: 4, [gpu.id]: 4 });
    // the run has ended: each worker tears its stages down and lets the run go (no job of it can come)
    while (cpu.runs().length + gpu.runs().length > 0) await new Promise((r) => setTimeout(r, 50));
    const shards = ['shard-00000', 'shard-00001', 'shard-00002', 'shard-00003'];
    expect(took.get('cpu')?.sort()).toEqual(shards.map((x) => `normalise ${x}`));
    expect(took.get('gpu')?.sort()).toEqual(shards.map((x) => `words ${x}`));
    const queue = new Queue('gpu', { connection: { url: redis.url }, prefix: QUEUE_PREFIX });
    try {
      // the gpu queue holds this run's 4 completed step-1 jobs, nothing else
      expect(await queue.getJobCounts('completed', 'failed', 'wait')).toEqual({ completed: 4, failed: 0, wait: 0 });
      expect((await queue.getCompleted()).map((j) => j.id).sort()).toEqual(
        shards.map((x) => shardJobId(run.runId, 1, x)),
      );
    } finally {
      await queue.close();
    }
  });

  it('fuses an in-flight stage with the next one into one step, as the local runner streams them', async () => {
    const runDir = join(work.dir, 'fused');
    const run = await enqueueTest(
      redis.url,
      runDir,
      work.manifest,
      { stages: [{ kind: 'normalise', persist: false }, { kind: 'words' }] },
      { shardSize: 4 },
    );
    expect(run.spec.steps).toEqual([{ name: 'normalise+words', stages: [0, 1], class: 'cpu' }]);
    worker();
    const s = await waitForRun({ connection: { url: redis.url }, runId: run.runId, pollMs: 100 });
    expect(s.state).toBe('done');
    expect(s.steps.map((st) => [st.name, st.stages, st.done])).toEqual([
      ['normalise+words', ['normalise', 'words'], 2],
    ]);
    expect(await stageRows(runDir, 'normalise')).toEqual([]);
    const words = await stageRows(runDir, 'words');
    expect(words.find((r) => r.clip_id === 'clip-0001')).toEqual({ clip_id: 'clip-0001', words: 5, chars: 23 });
    expect(words).toHaveLength(8);
  });

  it('on close, hands a running shard back to the queue after the grace period without spending an attempt', async () => {
    const runDir = join(work.dir, 'release');
    const faultDir = join(work.dir, 'slow');
    const run = await enqueueTest(
      redis.url,
      runDir,
      work.manifest,
      { stages: [{ kind: 'normalise', fault_dir: faultDir, slow_first_ms: 60_000 }] },
      { shardSize: 8, retry: { attempts: 1, backoff_ms: 10 } },
    );
    const events: string[] = [];
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const first = startWorker({
      connection: { url: redis.url },
      stages: (spec) => buildTestStages(spec.stage_config),
      ...fast,
      shutdownGraceMs: 200,
      onTask: (e) => {
        events.push(e.type);
        if (e.type === 'start') started();
      },
    });
    await running;
    await first.close(); // resolves only once its task was released and every connection closed
    expect(events).toEqual(['start', 'released']);
    const mid = await runStatus({ connection: { url: redis.url }, runId: run.runId });
    expect(mid.steps[0]).toMatchObject({ waiting: 1, active: 0, failed: 0, done: 0 });

    worker();
    const s = await waitForRun({ connection: { url: redis.url }, runId: run.runId, pollMs: 100 });
    expect(s.state).toBe('done'); // with attempts: 1, a spent attempt would have failed the run
    expect((await stageRows(runDir, 'normalise')).length).toBe(8);
  });
});
