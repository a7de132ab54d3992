/**
 * A frames run on disk as the engine leaves it, written without running ffmpeg: its run meta, one
 * shard's input clips and that shard's frames errors. For the tests that read which clips failed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { layout } from '../../../pipeline/layout.js';
import { RUN_FORMAT, type RunMeta } from '../../../pipeline/ledger.js';
import { parquetBytes } from '../../../pipeline/parquet.js';
import { rowsToBatch } from '../../../schemas/arrow.js';
import { clipsSchema } from '../../../schemas/clips.js';
import { type ErrorRow, errorsSchema } from '../../../schemas/errors.js';
import { clip } from '../../helpers/manifests.js';

/** When the fixture's clips failed. */
export const FRAMES_FAILED_AT = '2026-01-01T00:00:00.000Z';

/** A frames run that took `ids` and failed some of them. */
export async function writeFramesRun(dir: string, ids: string[], errors: Partial<ErrorRow>[]): Promise<string> {
  await mkdir(join(dir, 'input'), { recursive: true });
  await mkdir(join(dir, 'errors'), { recursive: true });
  const meta: RunMeta = {
    format: RUN_FORMAT,
    run_id: 'r',
    created_at: FRAMES_FAILED_AT,
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
  const rows = errors.map((e) => ({ stage: 'frames', round: 0, message: 'x', at: FRAMES_FAILED_AT, ...e }) as ErrorRow);
  await writeFile(
    join(dir, layout.errors('frames', 'shard-00000')),
    parquetBytes(errorsSchema, [rowsToBatch(errorsSchema, rows)]),
  );
  return dir;
}
