import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, writeConfig } from '../helpers/cli.js';
import { clip, writeJsonl } from '../helpers/manifests.js';
import { sortedRows } from '../helpers/tables.js';
import { tempDir } from '../helpers/tmp.js';
import { type VideoFixtures, videoFixtures } from '../helpers/videos.js';

let fx: VideoFixtures;
let dir: string;

beforeAll(async () => {
  fx = await videoFixtures();
  dir = await tempDir();
  const videos = ['basic.mp4', 'mpeg4.avi', 'vfr.mp4', 'zero.mp4', 'basic.mp4', 'mjpeg.mov', 'missing.mp4'];
  await writeJsonl(
    join(dir, 'clips.jsonl'),
    Array.from({ length: 48 }, (_, i) =>
      clip(`k${String(i).padStart(3, '0')}`, videos[i % videos.length], (i % 4) * 0.25, 1.5 + (i % 3) * 0.2),
    ),
  );
});

const config = (runDir: string) => ({
  run_dir: runDir,
  manifest: 'clips.jsonl',
  media_root: fx.mediaRoot,
  shard_size: 4,
  stages: { frames: { count: 3, width: 24, height: 16, concurrency: 2 } },
});

describe('kill -9 mid-run, then resume', () => {
  it('the resumed run’s tables equal those of an uninterrupted run', async () => {
    const full = await runCli(['run', await writeConfig(dir, config('full'), 'full.json'), '--log', 'json']);
    expect(full.code).toBe(0);

    let committed = 0;
    let killed = false;
    const crashCfg = await writeConfig(dir, config('crash'), 'crash.json');
    const first = startCli(['run', crashCfg, '--log', 'json'], {
      onStderr: (chunk, child) => {
        committed += chunk.split('"msg":"shard committed"').length - 1;
        if (committed >= 3 && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      },
    });
    const crashed = await first.done;
    expect(crashed.signal).toBe('SIGKILL');
    const doneBefore = (await readdir(join(dir, 'crash', 'ledger'))).filter((f) => f.endsWith('.json')).length;
    expect(doneBefore).toBeGreaterThanOrEqual(3);
    expect(doneBefore).toBeLessThan(12);

    const resumed = await runCli(['run', crashCfg, '--log', 'json']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`12/12 shards done \\(${12 - doneBefore} this time\\)`));
    expect(resumed.stderr).toMatch(/"resumed":true/);

    const a = join(dir, 'full');
    const b = join(dir, 'crash');
    const frames = await sortedRows(a, 'frames');
    expect(frames.length).toBe(3 * (48 - 13));
    expect(await sortedRows(b, 'frames')).toEqual(frames);
    const errs = await sortedRows(a, 'errors', { drop: ['at'] });
    expect(errs.length).toBe(13);
    expect(await sortedRows(b, 'errors', { drop: ['at'] })).toEqual(errs);
    expect((await readdir(b, { recursive: true })).filter((f) => String(f).includes('.tmp-'))).toEqual([]);
  }, 300_000); // three CLI runs; generous for a loaded 2-core CI machine
});
