/**
 * The acceptance test of distributed runs: three real worker processes, a two-stage run (the real
 * frames stage, then a per-frame statistics stage) over 60 one-clip shards, one worker SIGKILLed in
 * the middle of a shard. The run completes with every clip exactly once per stage, results equal
 * the local runner's, the killed worker's shard is retried elsewhere, and the survivors stop
 * cleanly on SIGTERM (their processes end only when every Redis connection is closed).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueRun, waitForRun } from '../../../jobs/distributed/index.js';
import { QUEUE_PREFIX, shardJobId } from '../../../jobs/distributed/names.js';
import { doneShards } from '../../../pipeline/ledger.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import { runLocal } from '../../../pipeline/runner.js';
import { LocalStorage, TEMP_MARKER } from '../../../pipeline/storage.js';
import { synthVideo } from '../../helpers/videos.js';
import { redisUnavailableReason, startRedis, type RedisHandle } from '../../helpers/redis-server.js';
import { type ChildEvent, WorkerChild } from './fixtures/children.js';
import { stageRows } from './fixtures/harness.js';
import { buildTestStages, type TestPipeline, videoManifestLines } from './fixtures/stages.js';

const skip = redisUnavailableReason();
if (skip) console.warn(`[test/jobs/distributed] ${skip}`);

const CLIPS = 60;

/** Rows as sorted comparable strings; binary pixels are hashed. */
function canonical(rows: Record<string, unknown>[]): string[] {
  return rows
    .map((r) =>
      JSON.stringify(r, (_k, v: unknown) => (v instanceof Uint8Array ? createHash('sha1').update(v).digest('hex') : v)),
    )
    .sort();
}

describe.skipIf(skip !== null)('distributed run with three worker processes, one killed', () => {
  let redis: RedisHandle;
  let dir: string;
  const children: WorkerChild[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'flywheel-dist-kill-'));
  });
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) await c.kill9();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes with every clip exactly once and the same results as the local runner', async () => {
    const media = join(dir, 'media');
    mkdirSync(media);
    const sources = [
      'testsrc2=size=64x48:rate=10:duration=6',
      'testsrc=size=64x48:rate=10:duration=6',
      'mandelbrot=size=64x48:rate=10:end_pts=6',
    ];
    const videos = sources.map((_, i) => `v${i}.mp4`);
    await Promise.all(sources.map((source, i) => synthVideo(join(media, videos[i]), { source, seconds: 6 })));
    const manifest = join(dir, 'clips.jsonl');
    writeFileSync(manifest, videoManifestLines(CLIPS, videos, 6));
    const pipeline: TestPipeline = {
      stages: [
        { kind: 'frames', media_root: media, frames: { count: 2, width: 16, height: 12 } },
        { kind: 'framestats', delay_ms: 20 },
      ],
    };

    const url = redis.url;
    const tuning = { url, lockDurationMs: 2000, stalledIntervalMs: 1000, pollMs: 200 };
    // w0 hangs in its second statistics batch: killed there, it is certainly in the middle of a shard
    children.push(
      new WorkerChild('w0', tuning, { FLYWHEEL_TEST_HANG_AT: '2' }),
      new WorkerChild('w1', tuning),
      new WorkerChild('w2', tuning),
    );
    await Promise.all(children.map((c) => c.waitFor((e) => e.type === 'ready')));

    const runDir = join(dir, 'run-distributed');
    const run = await enqueueRun({
      connection: { url },
      storage: { kind: 'local', root: runDir },
      manifestPath: manifest,
      shardSize: 1,
      round: 0,
      stages: buildTestStages(pipeline),
      config: pipeline,
      stageConfig: pipeline,
      retry: { attempts: 3, backoff_ms: 100 },
    });
    expect(run.meta.shards).toHaveLength(CLIPS);

    const hang = await children[0].waitFor((e) => e.type === 'hang');
    await children[0].kill9();

    const status = await waitForRun({ connection: { url }, runId: run.runId, pollMs: 250 });
    expect(status.error).toBeUndefined();
    expect(status.state).toBe('done');
    expect(status.steps.map((s) => [s.name, s.done, s.failed])).toEqual([
      ['frames', CLIPS, 0],
      ['framestats', CLIPS, 0],
    ]);
    expect(status.workers.map((w) => w.id)).toEqual(['w0', 'w1', 'w2']);
    expect(status.workers.find((w) => w.id === 'w0')?.live).toBe(false);

    // the killed worker's shard was detected stalled and completed by another worker (the workers'
    // own task events tell who)
    const ofShard = (e: ChildEvent): boolean => e.step === hang.stage && e.shard === hang.shard;
    expect(children[0].events.some((e) => e.type === 'start' && ofShard(e))).toBe(true);
    expect(children[0].events.some((e) => e.type === 'done' && ofShard(e))).toBe(false);
    const finishers = children
      .slice(1)
      .flatMap((c) => c.events.filter((e) => e.type === 'done' && ofShard(e)).map((e) => e.worker));
    expect(finishers.length).toBeGreaterThanOrEqual(1);
    for (const w of finishers) expect(['w1', 'w2']).toContain(w);
    const q = new Queue('cpu', {
      connection: { url },
      prefix: QUEUE_PREFIX,
      skipMetasUpdate: true,
    });
    try {
      // one job per shard and step, whoever ran it: the killed worker's one completed once, by a survivor
      expect(await q.getJobState(shardJobId(run.runId, 1, String(hang.shard)))).toBe('completed');
    } finally {
      await q.close();
    }

    // exactly once: one row per (clip, frame) in each stage's committed outputs, one ledger record per shard
    const frames = await stageRows(runDir, 'frames');
    const stats = await stageRows(runDir, 'framestats');
    const keys = (rows: Record<string, unknown>[]): string[] =>
      rows.map((r) => `${String(r.clip_id)}#${String(r.frame_index)}`).sort();
    const expected = Array.from({ length: CLIPS }, (_, i) =>
      [0, 1].map((f) => `clip-${String(i).padStart(4, '0')}#${f}`),
    )
      .flat()
      .sort();
    expect(keys(frames)).toEqual(expected);
    expect(keys(stats)).toEqual(expected);
    expect((await doneShards(new LocalStorage(runDir))).size).toBe(CLIPS);
    // the killed worker's half-written temp files were swept when the run finished
    expect((await new LocalStorage(runDir).list('')).filter((k) => k.includes(TEMP_MARKER))).toEqual([]);

    // same results as the local runner on the same input
    const localDir = join(dir, 'run-local');
    await runLocal({
      runDir: localDir,
      manifestPath: manifest,
      shardSize: 1,
      round: 0,
      stages: buildTestStages(pipeline),
      config: pipeline,
      reporter: new JsonReporter(pino({ level: 'silent' })),
    });
    expect(canonical(frames)).toEqual(canonical(await stageRows(localDir, 'frames')));
    expect(canonical(stats)).toEqual(canonical(await stageRows(localDir, 'framestats')));

    // graceful stop: SIGTERM, and the processes end by themselves
    const exits = await Promise.all(children.slice(1).map((c) => c.terminate()));
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    for (const c of children.slice(1)) expect(c.events.some((e) => e.type === 'closed')).toBe(true);
  }, 180_000);
});
