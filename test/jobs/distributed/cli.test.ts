/**
 * The CLI side: `flywheel run --queue` queues a frames run (config from a file, the real frames
 * stage) and follows it while a real `flywheel worker` process runs it; `flywheel status` reports
 * it; SIGTERM stops the worker cleanly; `--detach` returns as soon as the run is queued; `flywheel
 * prune` removes the finished run's queues (status still shows it) and refuses a running run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStatus } from '../../../jobs/distributed/index.js';
import { barrierJobId, QUEUE_PREFIX, shardJobId } from '../../../jobs/distributed/names.js';
import { synthVideo } from '../../helpers/videos.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { redisUnavailableReason, startRedis, type RedisHandle } from '../../helpers/redis-server.js';
import { stageRows } from './fixtures/harness.js';
import { videoManifestLines } from './fixtures/stages.js';

const skip = redisUnavailableReason();
if (skip) console.warn(`[test/jobs/distributed] ${skip}`);

describe.skipIf(skip !== null)('flywheel worker / status', () => {
  let redis: RedisHandle;
  let dir: string;
  let worker: ReturnType<typeof startCli> | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'flywheel-dist-cli-'));
  });
  afterAll(async () => {
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGKILL'); // only when the test failed before stopping it
      await worker.done;
    }
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('flywheel run --queue waits while a worker process runs the frames run; status reports it; SIGTERM stops the worker', async () => {
    const media = join(dir, 'media');
    mkdirSync(media);
    await synthVideo(join(media, 'v.mp4'), { source: 'testsrc2=size=64x48:rate=10:duration=4' });
    writeFileSync(join(dir, 'clips.jsonl'), videoManifestLines(6, ['v.mp4'], 4));
    const configPath = join(dir, 'job.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        run_dir: 'run',
        manifest: 'clips.jsonl',
        media_root: 'media',
        shard_size: 2,
        stages: { frames: { count: 2, width: 16, height: 12, concurrency: 1 } },
      }),
    );

    worker = startCli(['worker', '--queue', redis.url, '--poll-ms', '200']);
    const queued = await runCli(['run', '--queue', redis.url, configPath]);
    expect(queued.code, queued.stderr).toBe(0);
    const runId = /queued run (\S+) \(3 shards\)/.exec(queued.stdout)?.[1];
    expect(runId, queued.stdout).toBeDefined();
    expect(queued.stdout).toContain(`run ${runId} [done]`);
    const run = { runId: runId! };

    const status = await runCli(['status', '--queue', redis.url, '--run', run.runId, '--json']);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as RunStatus;
    expect(s.steps.map((st) => [st.name, st.class, st.done, st.shards, st.waiting, st.active, st.failed])).toEqual([
      ['frames', 'cpu', 3, 3, 0, 0, 0],
    ]);
    expect(s.workers.map((w) => [w.pid, w.shards, w.resources])).toEqual([[worker.child.pid, 3, ['cpu']]]);
    const text = await runCli(['status', '--queue', redis.url]);
    expect(text.stdout).toContain(`run ${run.runId} [done]`);
    expect(text.stdout).toMatch(/frames\s+cpu\s+done 3\/3/);
    // the fixed queues' counts over every run (BullMQ's getJobCounts): the run's 3 shard jobs and its barrier, kept completed
    expect(text.stdout).toContain(
      'queues (all runs): cpu waiting 0, active 0, delayed 0, failed 0, completed 3; gpu waiting 0, active 0, delayed 0, failed 0, completed 0; control waiting 0, active 0, delayed 0, failed 0, completed 1',
    );

    expect((await stageRows(join(dir, 'run'), 'frames')).length).toBe(12);

    // --detach returns once queued
    writeFileSync(
      join(dir, 'job2.json'),
      JSON.stringify({
        run_dir: 'run2',
        manifest: 'clips.jsonl',
        media_root: 'media',
        shard_size: 3,
        stages: { frames: { count: 1, width: 8, height: 8, concurrency: 1 } },
      }),
    );
    const detached = await runCli(['run', '--queue', redis.url, '--detach', join(dir, 'job2.json')]);
    expect(detached.code, detached.stderr).toBe(0);
    expect(detached.stdout).toMatch(/queued run \S+ \(2 shards\)/);
    expect(detached.stdout).not.toContain('[done]');

    worker.child.kill('SIGTERM');
    const end = await worker.done;
    expect(end.code).toBe(0);
    expect(end.stderr).toContain('worker stopped');

    // flywheel prune: the finished run's queues go, its record stays for status
    const pruned = await runCli(['prune', '--queue', redis.url, '--run', run.runId]);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(
      new RegExp(`pruned run ${run.runId} \\[done\\] .*queue key\\(s\\) removed, record kept`),
    );
    const after = JSON.parse(
      (await runCli(['status', '--queue', redis.url, '--run', run.runId, '--json'])).stdout,
    ) as RunStatus;
    expect(after).toMatchObject({ state: 'done', pruned_at: expect.any(String) as unknown });
    expect(after.steps.map((st) => [st.done, st.shards])).toEqual([[3, 3]]);
    // a run nobody works on is still running: prune refuses it, with the reason
    writeFileSync(
      join(dir, 'job3.json'),
      JSON.stringify({
        run_dir: 'run3',
        manifest: 'clips.jsonl',
        media_root: 'media',
        shard_size: 6,
        stages: { frames: { count: 1, width: 8, height: 8, concurrency: 1 } },
      }),
    );
    // --keep-completed: how long the run's completed jobs stay, carried by every job it adds
    const third = /queued run (\S+)/.exec(
      (await runCli(['run', '--queue', redis.url, '--detach', '--keep-completed', '90s', join(dir, 'job3.json')]))
        .stdout,
    )?.[1];
    const queues = ['control', 'cpu'].map(
      (name) => new Queue(name, { connection: { url: redis.url }, prefix: QUEUE_PREFIX, skipMetasUpdate: true }),
    );
    try {
      const [barrier, shard] = [
        await queues[0].getJob(barrierJobId(third ?? '', 0)),
        await queues[1].getJob(shardJobId(third ?? '', 0, 'shard-00000')),
      ];
      expect([barrier?.opts.removeOnComplete, shard?.opts.removeOnComplete]).toEqual([{ age: 90 }, { age: 90 }]);
    } finally {
      await Promise.all(queues.map((q) => q.close()));
    }
    const refused = await runCli(['prune', '--queue', redis.url, '--run', third ?? 'missing']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `flywheel: run ${third} is still running \\(shards done: frames 0/1\\); flywheel prune removes only finished runs`,
      ),
    );
    // the flag on every command that queues work: parsed like --older-than, and only with --queue
    const bad = await runCli(['run', '--queue', redis.url, '--keep-completed', '1y', join(dir, 'job3.json')]);
    expect([bad.code, bad.stderr]).toEqual([
      1,
      expect.stringContaining(
        '--keep-completed must be a number with a unit s, m, h, d or w, e.g. 12h or 7d (got "1y")',
      ),
    ]);
    for (const cmd of [['run'], ['refine'], ['schedule', '--once']]) {
      const r = await runCli([...cmd, join(dir, 'job3.json'), '--keep-completed', '1h']);
      expect([cmd[0], r.code, r.stderr.trim()]).toEqual([cmd[0], 1, 'flywheel: --keep-completed needs --queue']);
    }
  }, 180_000);
});
