/**
 * Redis stays clean across nightly runs, against a real redis-server: completed shard and barrier
 * jobs are removed as they finish (status still counts them, from the run's completed-shard sets),
 * failed ones are kept for inspection, `pruneRuns` removes a finished run's queues entirely and
 * keeps its record for `status`, refuses a running run, and a completed shard job that is added
 * again is a no-op.
 */
import { join } from 'node:path';
import { FlowProducer, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  formatPruneResult,
  listRuns,
  pruneRuns,
  runStatus,
  startWorker,
  type TaskEvent,
  waitForRun,
  type WorkerHandle,
} from '../../../jobs/distributed/index.js';
import { formatStatus } from '../../../cli/format-status.js';
import { addStepFlow, stepFlow } from '../../../jobs/distributed/flow.js';
import {
  barrierJobId,
  controlQueueName,
  QUEUE_PREFIX,
  redisKeys,
  runQueueKeyPrefixes,
  shardJobId,
  shardQueueName,
} from '../../../jobs/distributed/names.js';
import { parseDuration } from '../../../jobs/distributed/options.js';
import { RunStore } from '../../../jobs/distributed/run-store.js';
import { redisUnavailableReason, startRedis, type RedisHandle } from '../../helpers/redis-server.js';
import { buildTestStages } from './fixtures/stages.js';
import { enqueueTest, stageRows, workDir } from './fixtures/harness.js';

const skip = redisUnavailableReason();
if (skip) console.warn(`[test/jobs/distributed] ${skip}`);

const fast = { pollMs: 100, lockDurationMs: 5000, stalledIntervalMs: 5000 } as const;
const clipIds = Array.from({ length: 8 }, (_, i) => `clip-${String(i).padStart(4, '0')}`);

describe('parseDuration (--older-than)', () => {
  it('reads s, m, h, d, w and refuses anything else, quoting it', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(parseDuration('2W')).toBe(14 * 86_400_000);
    for (const bad of ['7', 'abc', '-1d', '1y', ''])
      expect(() => parseDuration(bad)).toThrow(
        `--older-than must be a number with a unit s, m, h, d or w, e.g. 12h or 7d (got ${JSON.stringify(bad)})`,
      );
  });
});

describe.skipIf(skip !== null)('Redis clean-up of distributed runs', () => {
  let server: RedisHandle;
  let redis: Redis;
  const workers: WorkerHandle[] = [];
  const work = workDir(8);
  const conn = (): { url: string } => ({ url: server.url });
  const worker = (opts: Partial<Parameters<typeof startWorker>[0]> = {}): WorkerHandle => {
    const w = startWorker({
      connection: conn(),
      stages: (spec) => buildTestStages(spec.stage_config),
      ...fast,
      ...opts,
    });
    workers.push(w);
    return w;
  };
  /** Every key of the run's BullMQ queues, without the `flywheel:` prefix, sorted. */
  const queueKeys = async (runId: string): Promise<string[]> => {
    const prefixes = runQueueKeyPrefixes(runId);
    const keys = await redis.keys(`${QUEUE_PREFIX}:*`);
    return keys
      .filter((k) => prefixes.some((p) => k.startsWith(p)))
      .map((k) => k.slice(QUEUE_PREFIX.length + 1))
      .sort();
  };
  /** A read-only handle on one of the run's queues (skipMetasUpdate: opening it writes nothing). */
  const openQueue = (name: string): Queue =>
    new Queue(name, { connection: conn(), prefix: QUEUE_PREFIX, skipMetasUpdate: true });

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
    work.cleanup();
  });

  it('a completed run leaves no job hashes in Redis, and status still counts every shard done', async () => {
    const runDir = join(work.dir, 'completed');
    const run = await enqueueTest(
      server.url,
      runDir,
      work.manifest,
      { stages: [{ kind: 'normalise' }, { kind: 'words' }] },
      { shardSize: 2 },
    );
    const queued = await queueKeys(run.runId);
    // the first step as queued: a barrier and its 4 shard jobs, each a hash (plus their sets)
    expect(queued.filter((k) => /:(barrier-s\d+|s\d+-shard-\d+)$/.test(k))).toHaveLength(5);
    const w = worker();
    const s = await waitForRun({ connection: conn(), runId: run.runId, pollMs: 100 });
    expect(s.state).toBe('done');
    expect(s.steps.map((st) => [st.name, st.done, st.shards, st.waiting, st.active, st.delayed, st.failed])).toEqual([
      ['normalise', 4, 4, 0, 0, 0, 0],
      ['words', 4, 4, 0, 0, 0, 0],
    ]);
    expect(s.workers.map((x) => [x.id, x.shards])).toEqual([[w.id, 8]]);

    const left = await queueKeys(run.runId);
    // no job (shard or barrier), no job's dependencies/processed/logs, no completed set: what is
    // left is queue-level state (ids counter, meta, the capped event stream), a handful of keys
    expect(left.filter((k) => /:(barrier-s\d+|s\d+-shard-\d+)(:|$)/.test(k))).toEqual([]);
    expect(left.filter((k) => /:(completed|failed|wait|active|delayed|waiting-children|prioritized)$/.test(k))).toEqual(
      [],
    );
    expect(left.length).toBeLessThan(queued.length);
    expect(left.length).toBeLessThanOrEqual(10);
    const control = openQueue(controlQueueName(run.runId));
    const cpu = openQueue(shardQueueName(run.runId, 'cpu'));
    try {
      expect(await cpu.getJobCounts('completed', 'failed', 'waiting', 'active')).toEqual({
        completed: 0,
        failed: 0,
        waiting: 0,
        active: 0,
      });
      expect(await control.getJobCounts('completed', 'failed', 'waiting-children')).toEqual({
        completed: 0,
        failed: 0,
        'waiting-children': 0,
      });
    } finally {
      await Promise.all([control.close(), cpu.close()]);
    }
    expect((await stageRows(runDir, 'words')).map((r) => r.clip_id).sort()).toEqual(clipIds);
  });

  it('keeps a failed job for inspection; prune then removes every key of the run and status still shows how it failed', async () => {
    const runDir = join(work.dir, 'failed');
    const run = await enqueueTest(
      server.url,
      runDir,
      work.manifest,
      {
        stages: [
          {
            kind: 'normalise',
            fault_dir: join(work.dir, 'failed-faults'),
            fault_shards: ['shard-00000'],
            always_fail: true,
          },
        ],
      },
      { shardSize: 4, retry: { attempts: 2, backoff_ms: 20 } },
    );
    worker();
    const s = await waitForRun({ connection: conn(), runId: run.runId, pollMs: 100 });
    expect(s.state).toBe('failed');
    expect(s.error).toMatch(/step normalise, shard-00000: failed after 2 attempt\(s\): injected fault/);
    const cpu = openQueue(shardQueueName(run.runId, 'cpu'));
    try {
      const failed = await cpu.getJob(shardJobId(0, 'shard-00000'));
      expect(failed?.failedReason).toMatch(/injected fault in normalise shard-00000/);
      expect(await cpu.getJob(shardJobId(0, 'shard-00001'))).toBeUndefined(); // completed: removed
    } finally {
      await cpu.close();
    }
    await Promise.all(workers.splice(0).map((w) => w.close()));
    const final = await runStatus({ connection: conn(), runId: run.runId });
    expect(final.steps[0]).toMatchObject({ done: 1, failed: 1, waiting: 0, active: 0 });

    const [r] = await pruneRuns({ connection: conn(), runId: run.runId });
    expect(r).toMatchObject({ run_id: run.runId, state: 'failed', action: 'pruned', record: 'kept' });
    expect(r.queue_keys).toBeGreaterThan(0);
    expect(await queueKeys(run.runId)).toEqual([]);
    const after = await runStatus({ connection: conn(), runId: run.runId });
    expect(after).toMatchObject({ state: 'failed', error: s.error });
    expect(after.pruned_at).toEqual(expect.any(String));
    expect(after.steps).toEqual(final.steps); // failed count as recorded at prune time, done from the record
    expect(await queueKeys(run.runId)).toEqual([]); // reading a pruned run's status recreates nothing
  });

  it('prunes a run that failed before any task ran (barrier still waiting for its children), and it can be queued again', async () => {
    const runDir = join(work.dir, 'never-ran');
    const pipeline = { stages: [{ kind: 'normalise' as const }] };
    const run = await enqueueTest(server.url, runDir, work.manifest, pipeline, { shardSize: 4 });
    worker({ stages: () => buildTestStages({ stages: [{ kind: 'words' }] }) }); // a worker whose stages differ: fails the run at attach
    const s = await waitForRun({ connection: conn(), runId: run.runId, pollMs: 100 });
    expect(s.state).toBe('failed');
    expect(s.steps[0]).toMatchObject({ waiting: 2, done: 0 });
    await Promise.all(workers.splice(0).map((w) => w.close()));
    expect(await pruneRuns({ connection: conn(), runId: run.runId })).toMatchObject([
      { action: 'pruned', state: 'failed' },
    ]);
    expect(await queueKeys(run.runId)).toEqual([]);
    expect((await runStatus({ connection: conn(), runId: run.runId })).steps[0]).toMatchObject({
      waiting: 0,
      failed: 0,
      done: 0,
    });

    worker();
    await enqueueTest(server.url, runDir, work.manifest, pipeline, { shardSize: 4 });
    expect((await waitForRun({ connection: conn(), runId: run.runId, pollMs: 100 })).state).toBe('done');
    expect((await stageRows(runDir, 'normalise')).map((x) => x.clip_id).sort()).toEqual(clipIds);
  });

  it('prunes a done run: nothing of its queues remains, status shows the final state, a re-queue skips the committed shards', async () => {
    const runDir = join(work.dir, 'prune-done');
    const events: TaskEvent[] = [];
    const w = worker({ onTask: (e) => void events.push(e) });
    const run = await enqueueTest(
      server.url,
      runDir,
      work.manifest,
      { stages: [{ kind: 'normalise' }, { kind: 'words' }] },
      { shardSize: 2 },
    );
    const before = await waitForRun({ connection: conn(), runId: run.runId, pollMs: 100 });
    expect(before.state).toBe('done');
    expect((await queueKeys(run.runId)).length).toBeGreaterThan(0);

    // the worker stays up (it serves every run); the finished run is no longer one of them
    const dry = await pruneRuns({ connection: conn(), runId: run.runId, dryRun: true });
    expect(dry).toMatchObject([{ action: 'would-prune', state: 'done' }]);
    expect((await queueKeys(run.runId)).length).toBe(dry[0].queue_keys);
    const [r] = await pruneRuns({ connection: conn(), runId: run.runId });
    expect(r).toMatchObject({ action: 'pruned', state: 'done', record: 'kept', queue_keys: dry[0].queue_keys });
    expect(formatPruneResult(r)).toMatch(
      new RegExp(`^pruned run ${run.runId} \\[done\\] .*: \\d+ queue key\\(s\\) removed, record kept`),
    );
    expect(await queueKeys(run.runId)).toEqual([]);

    const after = await runStatus({ connection: conn(), runId: run.runId });
    expect(after.state).toBe('done');
    expect(after.steps).toEqual(before.steps);
    expect(after.steps.map((st) => st.done)).toEqual([4, 4]);
    expect(after.workers.map((x) => [x.id, x.shards, x.live])).toEqual([[w.id, 8, false]]);
    expect(formatStatus(after)).toMatch(new RegExp(`^run ${run.runId} \\[done\\] .*: 4 shards \\(queues pruned `));
    expect((await listRuns({ connection: conn() })).map((x) => x.run_id)).toContain(run.runId);
    await new Promise((res) => setTimeout(res, 500)); // a few worker polls later: still nothing
    expect(await queueKeys(run.runId)).toEqual([]);
    expect(await pruneRuns({ connection: conn(), runId: run.runId })).toMatchObject([
      { action: 'skipped', reason: expect.stringMatching(/^already pruned at /) as unknown },
    ]);

    events.length = 0;
    const again = await enqueueTest(
      server.url,
      runDir,
      work.manifest,
      { stages: [{ kind: 'normalise' }, { kind: 'words' }] },
      { shardSize: 2 },
    );
    expect(again).toMatchObject({ runId: run.runId, resumed: true });
    const s = await waitForRun({ connection: conn(), runId: run.runId, pollMs: 100 });
    expect(s.state).toBe('done');
    expect(s.pruned_at).toBeUndefined();
    expect(s.steps.map((st) => st.done)).toEqual([4, 4]);
    const done = events.filter((e) => e.type === 'done');
    expect(done).toHaveLength(8);
    expect(done.every((e) => e.result?.status === 'skipped')).toBe(true);
    expect((await stageRows(runDir, 'words')).map((x) => x.clip_id).sort()).toEqual(clipIds);
    expect((await stageRows(runDir, 'normalise')).map((x) => x.clip_id).sort()).toEqual(clipIds);
  });

  it('refuses to prune a running run, skips it when pruning every run, and never interleaves with a re-queue', async () => {
    const runDir = join(work.dir, 'running');
    const pipeline = { stages: [{ kind: 'normalise' as const }] };
    const run = await enqueueTest(server.url, runDir, work.manifest, pipeline, { shardSize: 4 });
    const keys = await queueKeys(run.runId);
    await expect(pruneRuns({ connection: conn(), runId: run.runId })).rejects.toThrow(
      new RegExp(
        `^run ${run.runId} is still running \\(shards done: normalise 0/2\\); flywheel prune removes only finished runs \\(done or failed\\)\\. Follow it with \`flywheel status --queue ${server.url} --run ${run.runId}\``,
      ),
    );
    const all = await pruneRuns({ connection: conn() });
    expect(all.find((x) => x.run_id === run.runId)).toMatchObject({
      action: 'skipped',
      reason: 'still running',
      state: 'running',
    });
    expect(await queueKeys(run.runId)).toEqual(keys);
    expect((await runStatus({ connection: conn(), runId: run.runId })).steps[0]).toMatchObject({ waiting: 2, done: 0 });

    // a prune (or another enqueue) holding the run's lock: queueing waits for nobody, it says so
    await redis.set(redisKeys.lock(run.runId), 'pruning on nightly-host (pid 42) 0123abcd', 'PX', 60_000);
    await expect(enqueueTest(server.url, runDir, work.manifest, pipeline, { shardSize: 4 })).rejects.toThrow(
      `run ${run.runId} is locked: pruning on nightly-host (pid 42) is working on it right now; try again once it is done`,
    );
    await redis.del(redisKeys.lock(run.runId));

    worker();
    expect((await waitForRun({ connection: conn(), runId: run.runId, pollMs: 100 })).state).toBe('done');
  });

  it('--older-than and --delete-record: only old enough runs are pruned; a deleted record leaves nothing of the run', async () => {
    const runDir = join(work.dir, 'old');
    worker();
    const run = await enqueueTest(
      server.url,
      runDir,
      work.manifest,
      { stages: [{ kind: 'normalise' }] },
      { shardSize: 4 },
    );
    expect((await waitForRun({ connection: conn(), runId: run.runId, pollMs: 100 })).state).toBe('done');
    const hour = 3_600_000;
    const young = await pruneRuns({ connection: conn(), olderThanMs: hour });
    expect(young.find((x) => x.run_id === run.runId)).toMatchObject({
      action: 'skipped',
      reason: expect.stringMatching(/^finished \d+ s ago, not older than 60 min$/) as unknown,
    });
    expect((await queueKeys(run.runId)).length).toBeGreaterThan(0);

    const later = await pruneRuns({
      connection: conn(),
      runId: run.runId,
      olderThanMs: hour,
      now: () => Date.now() + 2 * hour,
      deleteRecord: true,
    });
    expect(later).toMatchObject([{ run_id: run.runId, action: 'pruned', record: 'deleted' }]);
    expect(await queueKeys(run.runId)).toEqual([]);
    expect(await redis.keys(`${redisKeys.run(run.runId)}*`)).toEqual([]);
    await expect(runStatus({ connection: conn(), runId: run.runId })).rejects.toThrow(`no run "${run.runId}"`);
    await expect(pruneRuns({ connection: conn(), runId: run.runId })).rejects.toThrow(`no run "${run.runId}"`);
  });

  it('a completed shard job added again is a no-op, and a retried barrier adds no flow twice', async () => {
    const runDir = join(work.dir, 'readd');
    const cpuDone: TaskEvent[] = [];
    worker({ resources: ['cpu'], onTask: (e) => void (e.type === 'done' && cpuDone.push(e)) });
    const run = await enqueueTest(
      server.url,
      runDir,
      work.manifest,
      { stages: [{ kind: 'normalise' }, { kind: 'words', gpu: true }] },
      { shardSize: 2 },
    );
    // step 0 done, its barrier passed and added step 1, whose GPU tasks wait (no GPU worker yet)
    for (;;) {
      const s = await runStatus({ connection: conn(), runId: run.runId });
      if (s.steps[0].done === 4 && s.steps[1].waiting === 4) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const control = openQueue(controlQueueName(run.runId));
    const cpu = openQueue(shardQueueName(run.runId, 'cpu'));
    const producer = new FlowProducer({ connection: conn(), prefix: QUEUE_PREFIX });
    const store = new RunStore(redis);
    try {
      for (;;) {
        // the barrier completes right after adding step 1's flow: wait until it is gone
        if ((await control.getJob(barrierJobId(0))) === undefined) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      expect(await cpu.getJob(shardJobId(0, 'shard-00000'))).toBeUndefined();
      // a barrier retried after its worker died: both flows are recorded, nothing is added
      expect(await addStepFlow(producer, control, store, run.spec, 0)).toBe('exists');
      expect(await addStepFlow(producer, control, store, run.spec, 1)).toBe('exists');
      // the worst case, past every guard: step 0's flow added again as it was
      await producer.add(stepFlow(run.spec, 0));
      for (;;) {
        if (cpuDone.length >= 8 && (await control.getJob(barrierJobId(0))) === undefined) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      expect(cpuDone.slice(4).map((e) => e.result?.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    } finally {
      await Promise.all([control.close(), cpu.close(), producer.close()]);
    }
    const mid = await runStatus({ connection: conn(), runId: run.runId });
    expect(mid.state).toBe('running');
    expect(mid.steps.map((st) => [st.done, st.waiting])).toEqual([
      [4, 0],
      [0, 4],
    ]); // step 1 queued once

    const gpuDone: TaskEvent[] = [];
    worker({ resources: ['gpu'], onTask: (e) => void (e.type === 'done' && gpuDone.push(e)) });
    const end = await waitForRun({ connection: conn(), runId: run.runId, pollMs: 100 });
    expect(end.state).toBe('done');
    expect(end.steps.map((st) => st.done)).toEqual([4, 4]);
    expect(gpuDone.map((e) => e.result?.status)).toEqual(['done', 'done', 'done', 'done']);
    expect((await stageRows(runDir, 'normalise')).map((x) => x.clip_id).sort()).toEqual(clipIds);
    expect((await stageRows(runDir, 'words')).map((x) => x.clip_id).sort()).toEqual(clipIds);
  });
});
