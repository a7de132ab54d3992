/**
 * The frame store's cache: with a byte budget that holds the frames run, passing over its clips
 * again (a training epoch) decodes no shard twice; without one it keeps `cacheShards` shards and
 * decodes again; a budget of part of the run keeps the recently used shards. Frames read back are
 * the stored bytes either way. The frames run is a real engine run of a stand-in frames stage.
 */
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineStage } from '../../../pipeline/define-stage.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import { runLocal } from '../../../pipeline/runner.js';
import { openSideInput } from '../../../pipeline/side-input.js';
import { LocalStorage } from '../../../pipeline/storage.js';
import { clipsTable } from '../../../schemas/clips.js';
import { framesTable } from '../../../schemas/frames.js';
import { FrameStore, type FramesReader } from '../../../stages/attach-frames/frame-store.js';
import { storedFrames } from '../../../stages/frames/stage.js';
import { manyClips, writeJsonl } from '../../helpers/manifests.js';
import { tempDir } from '../../helpers/tmp.js';

const SIZE = 4; // 4×4 RGB frames, 2 per clip: 96 bytes a clip
const CLIPS = 12; // 3 shards of 4
const pixelsOf = (clipId: string, frame: number): Uint8Array =>
  Uint8Array.from({ length: SIZE * SIZE * 3 }, (_, i) => (clipId.charCodeAt(4) * 7 + frame * 31 + i) % 256);

/** Writes frames computed from the clip id, as the frames stage would store them. */
const standInFrames = defineStage({
  name: 'frames',
  input: clipsTable,
  output: framesTable,
  process: (clips) =>
    Promise.resolve(
      clips.flatMap((c) =>
        [0, 1].map((frame_index) => ({
          clip_id: c.clip_id,
          frame_index,
          timestamp_s: frame_index / 2,
          width: SIZE,
          height: SIZE,
          pixels: pixelsOf(c.clip_id, frame_index),
        })),
      ),
    ),
});

let framesRun: LocalStorage;
const ids = manyClips(CLIPS, ['a.mp4']).map((c) => c.clip_id);

beforeAll(async () => {
  const root = await tempDir();
  const manifest = await writeJsonl(join(root, 'clips.jsonl'), manyClips(CLIPS, ['a.mp4']));
  await runLocal({
    runDir: join(root, 'frames'),
    manifestPath: manifest,
    shardSize: 4,
    round: 0,
    stages: [standInFrames],
    config: {},
    reporter: new JsonReporter(pino({ level: 'silent' })),
  });
  framesRun = new LocalStorage(join(root, 'frames'));
});

/** The frames run's reader, counting how often each shard is decoded. */
async function countingReader(): Promise<{ reader: FramesReader; decodes: Map<string, number> }> {
  const real = await openSideInput(storedFrames(framesRun));
  const decodes = new Map<string, number>();
  return {
    decodes,
    reader: {
      description: real.description,
      shards: real.shards,
      rows: (shard) => {
        decodes.set(shard, (decodes.get(shard) ?? 0) + 1);
        return real.rows(shard);
      },
    },
  };
}

/** Reads every clip `passes` times, in shard order, checking the bytes. */
async function passes(store: FrameStore, n: number): Promise<void> {
  for (let p = 0; p < n; p++)
    for (const id of ids) {
      const f = await store.get(id);
      expect(f?.count).toBe(2);
      expect(f?.pixels).toEqual(Uint8Array.from([...pixelsOf(id, 0), ...pixelsOf(id, 1)]));
    }
}

describe('frame store cache', () => {
  it('decodes each shard once over three passes when the budget holds the run', async () => {
    const { reader, decodes } = await countingReader();
    expect(reader.shards).toHaveLength(3);
    await passes(new FrameStore({ reader, cacheShards: 1, cacheBytes: CLIPS * 96 }), 3);
    expect([...decodes.values()]).toEqual([1, 1, 1]);
  });

  it('without a budget keeps only cacheShards shards and decodes again on every pass', async () => {
    const { reader, decodes } = await countingReader();
    await passes(new FrameStore({ reader, cacheShards: 1 }), 3);
    expect([...decodes.values()]).toEqual([3, 3, 3]);
  });

  it('a budget of two shards keeps the two most recently used ones', async () => {
    const { reader, decodes } = await countingReader();
    const store = new FrameStore({ reader, cacheShards: 1, cacheBytes: 2 * 4 * 96 });
    await passes(store, 1);
    // shards 2 and 3 are held: reading them again decodes nothing, shard 1 is decoded again
    for (const id of ids.slice(4)) await store.get(id);
    expect([...decodes.values()]).toEqual([1, 1, 1]);
    await store.get(ids[0]);
    expect([...decodes.values()]).toEqual([2, 1, 1]);
  });

  it('refuses a negative or non-finite budget', () => {
    expect(() => new FrameStore({ storage: framesRun, cacheBytes: -1 })).toThrow('cacheBytes');
    expect(() => new FrameStore({ storage: framesRun, cacheBytes: Number.NaN })).toThrow('cacheBytes');
  });
});
