/**
 * Which failed clips a tick takes again: a clip's last attempt decides (a later success clears an
 * earlier failure), only the failures a new file can fix count, and a file counts as changed only
 * when it changed after the failure.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedVideos, standingFramesErrors, videoChangedSince } from '../../../jobs/schedule/retry.js';
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
