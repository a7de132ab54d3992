/**
 * Which failed clips a tick takes again: a clip's last attempt decides (a later success clears an
 * earlier failure), only the failures a new file can fix count, and a file counts as changed only
 * when it changed after the failure.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedVideos, videoChangedSince } from '../../../jobs/schedule/retry.js';
import { layout } from '../../../pipeline/layout.js';
import { RUN_FORMAT, type RunMeta } from '../../../pipeline/ledger.js';
import { parquetBytes } from '../../../pipeline/parquet.js';
import { rowsToBatch } from '../../../schemas/arrow.js';
import { clipsSchema } from '../../../schemas/clips.js';
import { type ErrorRow, errorsSchema } from '../../../schemas/errors.js';
import { clip } from '../../helpers/manifests.js';
import { tempDir } from '../../helpers/tmp.js';

const AT = '2026-01-01T00:00:00.000Z';

/** A frames run that took `ids` and failed some of them. */
async function framesRun(dir: string, ids: string[], errors: Partial<ErrorRow>[]): Promise<string> {
  await mkdir(join(dir, 'input'), { recursive: true });
  await mkdir(join(dir, 'errors'), { recursive: true });
  const meta: RunMeta = {
    format: RUN_FORMAT,
    run_id: 'r',
    created_at: AT,
    config_hash: 'c'.repeat(64),
    round: 0,
    manifest: { path: 'clips.parquet', sha256: '0'.repeat(64), rows: ids.length, clips: ids.length, errors: 0 },
    stages: [],
    shard_size: 64,
    shards: ['shard-00000'],
    config: {},
  };
  await writeFile(join(dir, layout.runMeta), JSON.stringify(meta));
  const clips = ids.map((id) => clip(id, `${id}.mp4`, 0, 1));
  await writeFile(join(dir, layout.input('shard-00000')), parquetBytes(clipsSchema, [rowsToBatch(clipsSchema, clips)]));
  const rows = errors.map((e) => ({ stage: 'frames', round: 0, message: 'x', at: AT, ...e }) as ErrorRow);
  await writeFile(
    join(dir, layout.errors('frames', 'shard-00000')),
    parquetBytes(errorsSchema, [rowsToBatch(errorsSchema, rows)]),
  );
  return dir;
}

describe('failedVideos', () => {
  it('keeps the clips whose last attempt failed in a way a new file fixes, with when it failed', async () => {
    const root = await tempDir('flywheel-retry-');
    const first = await framesRun(
      join(root, 'first'),
      ['gone', 'late', 'broken', 'past-end', 'fine'],
      [
        { clip_id: 'gone', error_kind: 'missing_file' },
        { clip_id: 'late', error_kind: 'missing_file' },
        { clip_id: 'broken', error_kind: 'decode_failed' },
        { clip_id: 'past-end', error_kind: 'bad_time_range' },
      ],
    );
    // a later run took 'late' again and it gave frames
    const second = await framesRun(join(root, 'second'), ['late'], []);
    const failed = await failedVideos([first, second]);
    expect([...failed.keys()].sort()).toEqual(['broken', 'gone']);
    expect(failed.get('gone')).toBe(Date.parse(AT));
    // the same runs in the other order: the last attempt at 'late' is the failure
    expect([...(await failedVideos([second, first])).keys()].sort()).toEqual(['broken', 'gone', 'late']);
  });
});

describe('videoChangedSince', () => {
  it('is true for a file written after the failure, false before, and false for a missing or refused path', async () => {
    const root = await tempDir('flywheel-retry-file-');
    await writeFile(join(root, 'a.mp4'), 'bytes');
    const now = Date.now();
    expect(await videoChangedSince(root, 'a.mp4', now - 60_000)).toBe(true);
    expect(await videoChangedSince(root, 'a.mp4', now + 60_000)).toBe(false);
    expect(await videoChangedSince(root, 'missing.mp4', 0)).toBe(false);
    expect(await videoChangedSince(root, '../outside.mp4', 0)).toBe(false);
  });
});
