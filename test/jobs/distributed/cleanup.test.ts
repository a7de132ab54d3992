/**
 * Redis stays clean across nightly runs, against a real redis-server: every run's jobs share the
 * fixed queues; completed shard and barrier jobs are kept by age (a day), failed ones for
 * inspection; status counts "done" from the step ledger; `pruneRuns` removes exactly a finished
 * run's jobs (another run's stay) and keeps its record for `status`, refuses a running run; a flow
 * added again is a no-op (BullMQ's job-id dedup), and a step re-added after its jobs are gone only
 * yields `skipped` tasks; the nightly sweep trims any run's completed jobs by age; status over many
 * runs reads each queue once.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { FlowProducer, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  cleanCompletedJobs,
  COMPLETED_JOB_RETENTION,
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
import { barrierJobId, isRunJobKey, QUEUE_PREFIX, redisKeys, shardJobId } from '../../../jobs/distributed/names.js';
import { parseDuration } from '../../../jobs/distributed/options.js';
import { redisUnavailableReason, startRedis, type RedisHandle } from '../../helpers/redis-server.js';
import { buildTestStages } from './fixtures/stages.js';
import { enqueueTest, stageRows, workDir } from './fixtures/harness.js';

const skip = redisUnavailableReason();
if (skip) console.warn(`[test/jobs/distributed] ${skip}`);

const fast = { pollMs: 100, lockDurationMs: 5000, stalledIntervalMs: 5000 } as const;
const clipIds = Array.from({ length: 8 }, (_, i) => `clip-${String(i).padStart(4, '0')}`);

describe('parseDuration (--older-than, --keep-completed)', () => {
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
    expect(() => parseDuration('1y', '--keep-completed')).toThrow(
      '--keep-completed must be a number with a unit s, m, h, d or w, e.g. 12h or 7d (got "1y")',
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
  /** Queues the two-step test job (normalise, then words) over the test manifest. */
  const queueTwoSteps = (runDir: string, opts: Parameters<typeof enqueueTest>[4]): ReturnType<typeof enqueueTest> =>
    enqueueTest(server.url, runDir, work.manifest, { stages: [{ kind: 'normalise' }, { kind: 'words' }] }, opts);
  /** Every key of the run's jobs in the shared queues, without the `flywheel:` prefix, sorted. */
  const queueKeys = async (runId: string): Promise<string[]> => {
    const keys = await redis.keys(`${QUEUE_PREFIX}:*`);
    return keys
      .filter((k) => isRunJobKey(k, runId))
      .map((k) => k.slice(QUEUE_PREFIX.length + 1))
      .sort();
  };
  /** A read-only handle on one of the fixed queues (skipMetasUpdate: opening it writes nothing). */
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

  it("keeps a completed run's jobs by age in the fixed queues; status counts done from the step ledger", async () => {
    const runDir = join(work.dir, 'completed');
    const run = await queueTwoSteps(runDir, { shardSize: 2 });
    const shards = ['shard-00000', 'shard-00001', 'shard-00002', 'shard-00003'];
    // the first step as queued: a barrier and its 4 shard jobs, ids carrying the run id
    expect((await queueKeys(run.runId)).filter((k) => !k.includes(':', k.indexOf('.')))).toEqual(
      [`control:${barrierJobId(run.runId, 0)}`, ...shards.map((x) => `cpu:${shardJobId(run.runId, 0, x)}`)].sort(),
    );
    const w = worker();
    const s = await waitForRun({ connection: conn(), runId: run.runId, pollMs: 100 });
    expect(s.state).toBe('done');
    expect(s.steps.map((st) => [st.name, st.done, st.shards, st.waiting, st.active, st.delayed, st.failed])).toEqual([
      ['normalise', 4, 4, 0, 0, 0, 0],
      ['words', 4, 4, 0, 0, 0, 0],
    ]);
    expect(s.workers.map((x) => [x.id, x.shards])).toEqual([[w.id, 8]]);

    const control = openQueue('control');
    const cpu = openQueue('cpu');
    try {
      // every job of the run is kept, completed, with its data naming the run, removed by BullMQ after a day
      for (const [k, step] of ['normalise', 'words'].entries()) {
        const barrier = await control.getJob(barrierJobId(run.runId, k));
        expect(await barrier?.getState()).toBe('completed');
        expect(barrier?.data).toEqual({ run: run.runId, step: k });
        for (const shard of shards) {
          const job = await cpu.getJob(shardJobId(run.runId, k, shard));
          expect([job?.name, await job?.getState(), job?.data]).toEqual([
            step,
            'completed',
            { run: run.runId, step: k, shard },
          ]);
          expect(job?.opts.removeOnComplete).toEqual({ age: 24 * 3600 });
        }
      }
      expect(COMPLETED_JOB_RETENTION).toEqual({ age: 24 * 3600 });
    } finally {
      await Promise.all([control.close(), cpu.close()]);
    }
    expect((await stageRows(runDir, 'words')).map((r) => r.clip_id).sort()).toEqual(clipIds);
    // "done" is what the step ledger says, not what Redis remembers
    rmSync(join(runDir, 'step-ledger', 'words', 'shard-00002.json'));
    expect((await runStatus({ connection: conn(), runId: run.runId })).steps.map((st) => st.done)).toEqual([4, 3]);
  });

  it("the nightly sweep (BullMQ's clean): completed jobs of any run older than the grace go, younger ones stay", async () => {
    const runDir = join(work.dir, 'swept');
    const run = await queueTwoSteps(runDir, { shardSize: 4 });
    worker();
    expect((await waitForRun({ connection: conn(), runId: run.runId, pollMs: 100 })).state).toBe('done');
    const cpu = openQueue('cpu');
    try {
      const ids = [0, 1].flatMap((k) => ['shard-00000', 'shard-00001'].map((x) => shardJobId(run.runId, k, x)));
      expect(await Promise.all(ids.map(async (id) => (await cpu.getJob(id))?.getState()))).toEqual(
        ids.map(() => 'completed'),
      );
      // younger than an hour: nothing of this run goes
      await cleanCompletedJobs(conn(), 3_600_000);
      expect(await Promise.all(ids.map(async (id) => (await cpu.getJob(id))?.id))).toEqual(ids);
      // a grace of 0: every completed job goes, the barriers' too; the run's record and status stay
      expect(await cleanCompletedJobs(conn(), 0)).toBeGreaterThanOrEqual(ids.length + 2);
      expect(await Promise.all(ids.map((id) => cpu.getJob(id)))).toEqual(ids.map(() => undefined));
      expect((await runStatus({ connection: conn(), runId: run.runId })).steps.map((st) => st.done)).toEqual([2, 2]);
    } finally {
      await cpu.close();
    }
  });

  it('a run queued with a short retention (keepCompletedMs): every job of the run carries it, also the steps its barriers add', async () => {
    const runDir = join(work.dir, 'short-retention');
    const run = await queueTwoSteps(runDir, { shardSize: 4, keepCompletedMs: 90_000 });
    expect(run.spec.keep_completed_s).toBe(90);
    // the first step as queued, before any worker runs: its barrier and shard jobs, read back from Redis
    const control = openQueue('control');
    const cpu = openQueue('cpu');
    try {
      const first = [
        await control.getJob(barrierJobId(run.runId, 0)),
        await cpu.getJob(shardJobId(run.runId, 0, 'shard-00000')),
      ];
      expect(first.map((j) => j?.opts.removeOnComplete)).toEqual([{ age: 90 }, { age: 90 }]);
      worker();
      expect((await waitForRun({ connection: conn(), runId: run.runId, pollMs: 100 })).state).toBe('done');
      // step 1 was added by step 0's barrier on the worker, from the spec stored with the run
      const ids = [0, 1].flatMap((k) => [
        [control, barrierJobId(run.runId, k)] as const,
        ...['shard-00000', 'shard-00001'].map((x) => [cpu, shardJobId(run.runId, k, x)] as const),
      ]);
      for (const [q, id] of ids) {
        const job = await q.getJob(id);
        expect([id, job?.opts.removeOnComplete]).toEqual([id, { age: 90 }]);
      }
    } finally {
      await Promise.all([control.close(), cpu.close()]);
    }
    await pruneRuns({ connection: conn(), runId: run.runId });
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
    const cpu = openQueue('cpu');
    try {
      const failed = await cpu.getJob(shardJobId(run.runId, 0, 'shard-00000'));
      expect(failed?.failedReason).toMatch(/injected fault in normalise shard-00000/);
      expect(await cpu.getJobState(shardJobId(run.runId, 0, 'shard-00001'))).toBe('completed');
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
    expect(s.error).toMatch(/cannot serve run .*: the worker's stages \[words\] differ/);
    expect(s.steps[0]).toMatchObject({ failed: 1, done: 0 }); // the job that found out
    // the run's other task, in the shared queue, is dropped unrun: it cannot block another run's tasks
    const cpu = openQueue('cpu');
    try {
      const ids = ['shard-00000', 'shard-00001'].map((x) => shardJobId(run.runId, 0, x));
      for (;;) {
        const states = await Promise.all(ids.map((id) => cpu.getJobState(id)));
        if (states.includes('completed')) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      const jobs = await Promise.all(ids.map((id) => cpu.getJob(id)));
      expect(
        jobs.map((j) => j?.failedReason ?? (j?.returnvalue as { status?: string } | undefined)?.status).sort(),
      ).toEqual(['dropped', expect.stringMatching(/cannot serve run/) as unknown]);
    } finally {
      await cpu.close();
    }
    await Promise.all(workers.splice(0).map((w) => w.close()));
    expect(await pruneRuns({ connection: conn(), runId: run.runId })).toMatchObject([
      { action: 'pruned', state: 'failed' },
    ]);
    expect(await queueKeys(run.runId)).toEqual([]);
    expect((await runStatus({ connection: conn(), runId: run.runId })).steps[0]).toMatchObject({
      waiting: 0,
      failed: 1,
      done: 0,
    });

    worker();
    await enqueueTest(server.url, runDir, work.manifest, pipeline, { shardSize: 4 });
    expect((await waitForRun({ connection: conn(), runId: run.runId, pollMs: 100 })).state).toBe('done');
    expect((await stageRows(runDir, 'normalise')).map((x) => x.clip_id).sort()).toEqual(clipIds);
  });

  it("prunes a done run: nothing of its jobs remains, another run's jobs stay, status shows the final state, a re-queue skips the committed shards", async () => {
    const runDir = join(work.dir, 'prune-done');
    const events: TaskEvent[] = [];
    const w = worker({ onTask: (e) => void events.push(e) });
    const run = await queueTwoSteps(runDir, { shardSize: 2 });
    const other = await enqueueTest(
      server.url,
      join(work.dir, 'prune-other'),
      work.manifest,
      { stages: [{ kind: 'normalise' }] },
      { shardSize: 4 },
    );
    const before = await waitForRun({ connection: conn(), runId: run.runId, pollMs: 100 });
    expect(before.state).toBe('done');
    expect((await waitForRun({ connection: conn(), runId: other.runId, pollMs: 100 })).state).toBe('done');
    expect((await queueKeys(run.runId)).length).toBeGreaterThan(0);
    const otherKeys = await queueKeys(other.runId);
    expect(otherKeys.filter((k) => !k.includes(':', k.indexOf('.')))).toEqual(
      [
        `control:${barrierJobId(other.runId, 0)}`,
        ...[0, 1].map((i) => `cpu:${shardJobId(other.runId, 0, `shard-0000${i}`)}`),
      ].sort(),
    );

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
    expect(await queueKeys(other.runId)).toEqual(otherKeys); // the other run's completed jobs are untouched
    expect((await runStatus({ connection: conn(), runId: other.runId })).pruned_at).toBeUndefined();

    const after = await runStatus({ connection: conn(), runId: run.runId });
    expect(after.state).toBe('done');
    expect(after.steps).toEqual(before.steps);
    expect(after.steps.map((st) => st.done)).toEqual([4, 4]);
    expect(after.workers.map((x) => [x.id, x.shards, x.live])).toEqual([[w.id, 8, true]]); // still up, on the shared queues
    expect(formatStatus(after)).toMatch(new RegExp(`^run ${run.runId} \\[done\\] .*: 4 shards \\(queues pruned `));
    expect((await listRuns({ connection: conn() })).map((x) => x.run_id)).toContain(run.runId);
    await new Promise((res) => setTimeout(res, 500)); // a few worker polls later: still nothing
    expect(await queueKeys(run.runId)).toEqual([]);
    expect(await pruneRuns({ connection: conn(), runId: run.runId })).toMatchObject([
      { action: 'skipped', reason: expect.stringMatching(/^already pruned at /) as unknown },
    ]);

    events.length = 0;
    const again = await queueTwoSteps(runDir, { shardSize: 2 });
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

  it('a flow added again is a no-op (job-id dedup), a retried barrier adds no flow twice, and a step re-added after its jobs are gone only skips', async () => {
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
    const shards = ['shard-00000', 'shard-00001', 'shard-00002', 'shard-00003'];
    // step 0 done, its barrier passed and added step 1, whose GPU tasks wait (no GPU worker yet)
    for (;;) {
      const s = await runStatus({ connection: conn(), runId: run.runId });
      if (s.steps[0].done === 4 && s.steps[1].waiting === 4) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const control = openQueue('control');
    const cpu = openQueue('cpu');
    const producer = new FlowProducer({ connection: conn(), prefix: QUEUE_PREFIX });
    const step0 = async (): Promise<string[]> =>
      Promise.all(shards.map((x) => cpu.getJobState(shardJobId(run.runId, 0, x))));
    try {
      for (;;) {
        // the barrier completes right after adding step 1's flow
        if ((await control.getJobState(barrierJobId(run.runId, 0))) === 'completed') break;
        await new Promise((res) => setTimeout(res, 50));
      }
      expect(await step0()).toEqual(['completed', 'completed', 'completed', 'completed']);
      // a barrier retried after its worker died: both barriers exist (kept), nothing is added
      expect(await addStepFlow(producer, control, run.spec, 0)).toBe('exists');
      expect(await addStepFlow(producer, control, run.spec, 1)).toBe('exists');
      // step 0's flow added again as it was: BullMQ keeps one job per id, nothing runs again
      await producer.add(stepFlow(run.spec, 0));
      expect(await step0()).toEqual(['completed', 'completed', 'completed', 'completed']);
      expect(await control.getJobState(barrierJobId(run.runId, 0))).toBe('completed');
      expect(cpuDone).toHaveLength(4);
      // past every guard: step 0's jobs gone (as after a day), its flow added again: every task finds its ledger
      expect(await control.remove(barrierJobId(run.runId, 0))).toBe(1);
      for (const x of shards) await cpu.remove(shardJobId(run.runId, 0, x));
      expect(await addStepFlow(producer, control, run.spec, 0)).toBe('added');
      for (;;) {
        if (cpuDone.length >= 8 && (await control.getJobState(barrierJobId(run.runId, 0))) === 'completed') break;
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

  // last in this file: its runs stay queued (no worker serves them)
  it('status over many runs reads each queue once per command, and counts each run right from that one read', async () => {
    const queued: Awaited<ReturnType<typeof enqueueTest>>[] = [];
    for (const name of ['snapshot-a', 'snapshot-b']) {
      queued.push(await queueTwoSteps(join(work.dir, name), { shardSize: 4 }));
    }
    const ranges = vi.spyOn(Queue.prototype, 'getRanges');
    try {
      const one = await runStatus({ connection: conn(), runId: queued[0].runId });
      ranges.mockClear();
      const all = await listRuns({ connection: conn() });
      expect(all.length).toBeGreaterThanOrEqual(2); // these two, and any earlier run of this file
      // every (queue, states) id list read once, whatever the number of runs
      const reads = ranges.mock.calls.map((c, i) => `${(ranges.mock.contexts[i] as Queue).name}:${String(c[0])}`);
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.length).toBe(new Set(reads).size);
      for (const run of queued) {
        const st = all.find((x) => x.run_id === run.runId);
        expect(st?.steps.map((x) => [x.waiting, x.done])).toEqual([
          [2, 0],
          [0, 0],
        ]);
      }
      expect(all.find((x) => x.run_id === queued[0].runId)).toEqual(one);
    } finally {
      ranges.mockRestore();
    }
  });
});
