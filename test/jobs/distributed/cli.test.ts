/**
 * The CLI side: a real `flywheel worker` process runs a queued frames run (config from a file,
 * the real frames stage), `flywheel status` reports it, and SIGTERM stops the worker cleanly.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueConfig } from '../../../jobs/distributed/config-run.js';
import { waitForRun, type RunStatus } from '../../../jobs/distributed/index.js';
import { loadConfig } from '../../../schemas/config.js';
import { resolveBinaries } from '../../../stages/frames/ffmpeg.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { redisUnavailableReason, startRedis, type RedisHandle } from '../../helpers/redis-server.js';
import { stageRows } from './fixtures/harness.js';
import { videoManifestLines } from './fixtures/stages.js';

const skip = redisUnavailableReason();
if (skip) console.warn(`[test/jobs/distributed] ${skip}`);

describe.skipIf(skip !== null)('flywheel worker / status', () => {
  let redis: RedisHandle;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'flywheel-dist-cli-'));
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a worker process runs a queued frames run; status reports it; SIGTERM stops the worker', async () => {
    const media = join(dir, 'media');
    mkdirSync(media);
    await promisify(execFile)(resolveBinaries().ffmpeg, ['-y', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10:duration=4', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', join(media, 'v.mp4')]);
    writeFileSync(join(dir, 'clips.jsonl'), videoManifestLines(6, ['v.mp4'], 4));
    const configPath = join(dir, 'job.json');
    writeFileSync(configPath, JSON.stringify({ run_dir: 'run', manifest: 'clips.jsonl', media_root: 'media', shard_size: 2, stages: { frames: { count: 2, width: 16, height: 12, concurrency: 1 } } }));

    const worker = startCli(['worker', '--queue', redis.url, '--poll-ms', '200']);
    const run = await enqueueConfig(await loadConfig(configPath), { url: redis.url });
    const final = await waitForRun({ connection: { url: redis.url }, runId: run.runId, pollMs: 200 });
    expect(final.error).toBeUndefined();
    expect(final.state).toBe('done');

    const status = await runCli(['status', '--queue', redis.url, '--run', run.runId, '--json']);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as RunStatus;
    expect(s.steps.map((st) => [st.name, st.class, st.done, st.shards, st.waiting, st.active, st.failed])).toEqual([['frames', 'cpu', 3, 3, 0, 0, 0]]);
    expect(s.workers.map((w) => [w.pid, w.shards, w.resources])).toEqual([[worker.child.pid, 3, ['cpu']]]);
    const text = await runCli(['status', '--queue', redis.url]);
    expect(text.stdout).toContain(`run ${run.runId} [done]`);
    expect(text.stdout).toMatch(/frames\s+cpu\s+done 3\/3/);

    expect((await stageRows(join(dir, 'run'), 'frames')).length).toBe(12);

    worker.child.kill('SIGTERM');
    const end = await worker.done;
    expect(end.code).toBe(0);
    expect(end.stderr).toContain('worker stopped');
  }, 120_000);
});
