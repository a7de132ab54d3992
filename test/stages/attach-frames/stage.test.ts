/**
 * attach-frames: a clip the frames run stored no frames for is an error row of the round, whose
 * message carries the frames run's own error for it (kind and message), so the cause is still there
 * once the frames run is deleted; a clip the frames run has no error for says so; an errors table
 * that cannot be read costs the message its cause, not the round. The frames run is
 * a real engine run of a stand-in frames stage that fails one clip and skips another.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { defineStage } from '../../../pipeline/define-stage.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import { readRunErrors } from '../../../pipeline/run-errors.js';
import { runLocal } from '../../../pipeline/runner.js';
import { LocalStorage } from '../../../pipeline/storage.js';
import { clipsTable } from '../../../schemas/clips.js';
import { framesTable } from '../../../schemas/frames.js';
import { attachFramesStage } from '../../../stages/attach-frames/stage.js';
import { manyClips, writeJsonl } from '../../helpers/manifests.js';
import { tempDir } from '../../helpers/tmp.js';

const reporter = () => new JsonReporter(pino({ level: 'silent' }));

/** Stores one 2×2 frame per clip, but fails c0001 as a missing file and silently skips c0002. */
const standInFrames = defineStage({
  name: 'frames',
  input: clipsTable,
  output: framesTable,
  process: (clips, ctx) => {
    for (const c of clips)
      if (c.clip_id === 'c0001')
        ctx.reportError({ clip_id: c.clip_id, kind: 'missing_file', message: 'video not found: gone.mp4' });
    return Promise.resolve(
      clips
        .filter((c) => c.clip_id !== 'c0001' && c.clip_id !== 'c0002')
        .map((c) => ({
          clip_id: c.clip_id,
          frame_index: 0,
          timestamp_s: 0.5,
          width: 2,
          height: 2,
          pixels: new Uint8Array(12),
        })),
    );
  },
});

describe('attach-frames', () => {
  it("names the frames run's error for a clip without frames in the round's own error row", async () => {
    const root = await tempDir('flywheel-attach-frames-');
    const manifest = await writeJsonl(join(root, 'clips.jsonl'), manyClips(4, ['a.mp4']));
    const run = (runDir: string, stage: Parameters<typeof runLocal>[0]['stages'][number]) =>
      runLocal({
        runDir,
        manifestPath: manifest,
        shardSize: 4,
        round: 0,
        stages: [stage],
        config: {},
        reporter: reporter(),
      });
    await run(join(root, 'frames'), standInFrames);
    await run(join(root, 'round'), attachFramesStage({ framesRun: new LocalStorage(join(root, 'frames')) }));
    const errors = (await readRunErrors(new LocalStorage(join(root, 'round')))).map((e) => [
      e.clip_id,
      e.error_kind,
      e.message,
    ]);
    expect(errors).toEqual([
      [
        'c0001',
        'missing_frames',
        'no frames stored for clip c0001: the frames run failed it (missing_file: video not found: gone.mp4)',
      ],
      ['c0002', 'missing_frames', 'no frames stored for clip c0002, and the frames run recorded no error for it'],
    ]);

    // the frames run's errors table is broken: the round still runs, and says why no cause is given
    const errorsDir = join(root, 'frames', 'errors');
    for (const f of await readdir(errorsDir)) await writeFile(join(errorsDir, f), 'not parquet');
    await run(join(root, 'round-again'), attachFramesStage({ framesRun: new LocalStorage(join(root, 'frames')) }));
    const again = await readRunErrors(new LocalStorage(join(root, 'round-again')));
    expect(again.map((e) => e.clip_id)).toEqual(['c0001', 'c0002']);
    for (const e of again)
      expect(e.message).toMatch(
        new RegExp(
          `^no frames stored for clip ${e.clip_id}; the frames run's errors could not be read for its cause \\(.+\\)$`,
        ),
      );
  });
});
