/**
 * What the engine promises a stage over a real shard run: a `wholeShard` stage gets exactly one
 * batch per shard whatever the batch sizes upstream, and after a failure a stage is torn down only
 * once its running `process` calls have finished.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planRun } from '../../pipeline/plan.js';
import { runShardTask } from '../../pipeline/shard-task.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { manyClips, writeJsonl } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';
import { doubleStage, lengthStage } from '../helpers/toy-stages.js';
import type { AnyStage } from '../../pipeline/stage.js';

async function planned(clips: number, shardSize: number, stages: AnyStage[]) {
  const root = await tempDir();
  const manifest = await writeJsonl(join(root, 'clips.jsonl'), manyClips(clips, ['a.mp4']));
  const storage = new LocalStorage(join(root, 'run'));
  const { meta } = await planRun({ storage, manifestPath: manifest, shardSize, round: 0, stages, config: {} });
  return { storage, meta };
}

describe('whole-shard stages', () => {
  it('receive exactly one batch per shard, though the stage before sends batches of 2', async () => {
    const log: string[] = [];
    const stages = [lengthStage({ batchSize: 2 }), doubleStage({ wholeShard: true, log })];
    const { storage, meta } = await planned(12, 5, stages);
    expect(meta.shards).toHaveLength(3);
    const calls: string[][] = [];
    for (const shardId of meta.shards) {
      log.length = 0;
      await runShardTask({ storage, stages, shardId, meta });
      calls.push(log.filter((l) => l.startsWith('start')));
    }
    expect(calls).toEqual([['start 5'], ['start 5'], ['start 2']]);
  });
});

describe('teardown after a failure', () => {
  it('waits for a process call still running in another stage', async () => {
    const log: string[] = [];
    // length fails on its second batch while double is still working on the first (and ignores the abort)
    const stages = [
      lengthStage({ batchSize: 1, concurrency: 1, throwOn: 'c0001', delayMs: 20 }),
      doubleStage({ batchSize: 1, delayMs: 300, log }),
    ];
    const { storage, meta } = await planned(4, 4, stages);
    await expect(runShardTask({ storage, stages, shardId: meta.shards[0], meta })).rejects.toThrow('boom on c0001');
    expect(log).toEqual(['start 1', 'end 1', 'teardown']);
  });
});
