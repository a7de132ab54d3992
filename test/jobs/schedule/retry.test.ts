/**
 * Which failed clips a tick takes again: a clip's last attempt decides (a later success clears an
 * earlier failure), only the failures a new file can fix count, and a file counts as changed only
 * when it changed after the failure. A clip the refine job's round had no frames for stands failed
 * when the job's frames run, extracted again since its frames were deleted, now gives it frames.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedVideos, standingFramesErrors, videoChangedSince } from '../../../jobs/schedule/retry.js';
import { layout } from '../../../pipeline/layout.js';
import { parquetBytes } from '../../../pipeline/parquet.js';
import { rowsToBatch } from '../../../schemas/arrow.js';
import { type ErrorRow, errorsSchema } from '../../../schemas/errors.js';
import { tempDir } from '../../helpers/tmp.js';
import { FRAMES_FAILED_AT as AT, writeFramesRun as framesRun } from './frames-run-fixture.js';

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

/** When the fixture's round recorded its errors (after the frames run's). */
const ROUND_AT = '2026-01-02T00:00:00.000Z';

/** A round's run that had no frames for `ids` (its attach-frames errors), as the engine leaves it. */
async function roundRun(dir: string, ids: string[]): Promise<string> {
  await mkdir(join(dir, 'errors'), { recursive: true });
  const rows: ErrorRow[] = ids.map((clip_id) => ({
    clip_id,
    stage: 'attach-frames',
    round: 0,
    error_kind: 'missing_frames',
    message: 'no frames',
    at: ROUND_AT,
  }));
  await writeFile(
    join(dir, layout.errors('attach-frames', 'shard-00000')),
    parquetBytes(errorsSchema, [rowsToBatch(errorsSchema, rows)]),
  );
  return dir;
}

describe('failedVideos after the job frames were deleted', () => {
  it("keeps a clip the round had no frames for that the job's frames run, extracted again, now gives frames", async () => {
    const root = await tempDir('flywheel-retry-restored-');
    const round = await roundRun(join(root, 'round'), ['gone', 'fixed', 'past-end']);
    // the job's frames run, extracted again: 'fixed' had its video replaced before, 'gone' still fails
    const job = await framesRun(
      join(root, 'frames'),
      ['gone', 'fixed', 'past-end', 'fine'],
      [
        { clip_id: 'gone', error_kind: 'missing_file' },
        { clip_id: 'past-end', error_kind: 'bad_time_range' },
      ],
    );
    const failed = await failedVideos([job], { roundRun: round });
    expect(new Map(failed)).toEqual(
      new Map([
        ['gone', Date.parse(AT)],
        ['fixed', Date.parse(ROUND_AT)],
      ]),
    );
    // without the round (frames never deleted, or no round), the run alone decides, as before
    expect([...(await failedVideos([job])).keys()]).toEqual(['gone']);
    // the job's frames still gone: the round's clips stand failed, for a tick to take once their video changes
    expect([...(await failedVideos([join(root, 'no-frames')], { roundRun: round })).keys()].sort()).toEqual([
      'fixed',
      'gone',
      'past-end',
    ]);
    // a tick since took 'fixed' and got frames: it is no longer failed
    const tick = await framesRun(join(root, 'tick'), ['fixed'], []);
    expect([...(await failedVideos([job, tick], { roundRun: round })).keys()]).toEqual(['gone']);
  });
});

describe('standingFramesErrors', () => {
  it("keeps each clip's last failed attempt, whatever its kind, and drops a clip a later run got frames from", async () => {
    const root = await tempDir('flywheel-standing-');
    const first = await framesRun(
      join(root, 'first'),
      ['gone', 'late', 'past-end', 'fine'],
      [
        { clip_id: 'gone', error_kind: 'missing_file' },
        { clip_id: 'late', error_kind: 'missing_file' },
        { clip_id: 'past-end', error_kind: 'bad_time_range' },
      ],
    );
    // a later run took 'late' again and it gave frames, and took 'gone' again and it failed otherwise
    const second = await framesRun(
      join(root, 'second'),
      ['late', 'gone'],
      [{ clip_id: 'gone', error_kind: 'decode_failed' }],
    );
    const standing = await standingFramesErrors([first, second]);
    expect(new Map([...standing].map(([id, e]) => [id, e.error_kind]))).toEqual(
      new Map([
        ['gone', 'decode_failed'],
        ['past-end', 'bad_time_range'],
      ]),
    );
    expect(await standingFramesErrors([])).toEqual(new Map());
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
