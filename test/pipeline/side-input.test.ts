/**
 * Side inputs: a stage's declared read of another run's stored output. A missing run fails the plan
 * before anything is written; a run that lacks the stage or a shard fails naming the run and shard.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineStage } from '../../pipeline/define-stage.js';
import { openSideInput } from '../../pipeline/side-input.js';
import { planRun } from '../../pipeline/plan.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { clipsTable } from '../../schemas/clips.js';
import { framesTable } from '../../schemas/frames.js';
import { attachFramesStage } from '../../stages/attach-frames/stage.js';
import { storedFrames } from '../../stages/frames/stage.js';
import { manyClips, writeJsonl } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';
import { lengthStage } from '../helpers/toy-stages.js';
import type { AnyStage } from '../../pipeline/stage.js';

/** A planned (never run) run dir whose only stage is `stage`. */
async function plannedRun(stage: AnyStage): Promise<{ dir: string; manifest: string }> {
  const root = await tempDir();
  const manifest = await writeJsonl(join(root, 'clips.jsonl'), manyClips(3, ['a.mp4']));
  const dir = join(root, 'run');
  await planRun({
    storage: new LocalStorage(dir),
    manifestPath: manifest,
    shardSize: 2,
    round: 0,
    stages: [stage],
    config: {},
  });
  return { dir, manifest };
}

/** A stand-in frames stage (its output is never produced: the run is only planned). */
const fakeFrames = defineStage({
  name: 'frames',
  input: clipsTable,
  output: framesTable,
  process: () => Promise.resolve([]),
});

describe('side inputs', () => {
  it('a missing frames run fails the plan, naming the stage and the run, before anything is written', async () => {
    const root = await tempDir();
    const manifest = await writeJsonl(join(root, 'clips.jsonl'), manyClips(3, ['a.mp4']));
    const framesDir = join(root, 'no-frames-here');
    const runDir = join(root, 'round');
    await expect(
      planRun({
        storage: new LocalStorage(runDir),
        manifestPath: manifest,
        shardSize: 2,
        round: 1,
        stages: [attachFramesStage({ framesRun: new LocalStorage(framesDir) })],
        config: {},
      }),
    ).rejects.toThrow(`stage "attach-frames": side input frames: run ${framesDir} has no run.json`);
    await expect(readdir(runDir)).rejects.toThrow(/ENOENT/);
  });

  it('a run without the declared stage is refused, listing the stages it has', async () => {
    const { dir } = await plannedRun(lengthStage());
    await expect(openSideInput(storedFrames(new LocalStorage(dir)))).rejects.toThrow(
      `side input frames: run ${dir} has no stage "frames" (stages: length)`,
    );
  });

  it('a shard the other run never finished fails naming the run and the shard', async () => {
    const { dir } = await plannedRun(fakeFrames);
    const reader = await openSideInput(storedFrames(new LocalStorage(dir)));
    expect(reader.shards).toEqual(['shard-00000', 'shard-00001']);
    const read = async (): Promise<void> => {
      for await (const rows of reader.rows('shard-00001')) void rows;
    };
    await expect(read()).rejects.toThrow(
      `side input frames: ${dir}/frames/shard-00001.parquet is missing — run ${dir} did not finish shard shard-00001`,
    );
    const unknown = async (): Promise<void> => {
      for await (const rows of reader.rows('shard-00009')) void rows;
    };
    await expect(unknown()).rejects.toThrow(`side input frames: run ${dir} has no shard shard-00009`);
  });
});
