/** A run's errors tables read back: every `errors/*.parquet`, in key order, without an interrupted write's temp file. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parquetBytes } from '../../pipeline/parquet.js';
import { readRunErrors } from '../../pipeline/run-errors.js';
import { LocalStorage, TEMP_MARKER } from '../../pipeline/storage.js';
import { rowsToBatch } from '../../schemas/arrow.js';
import { type ErrorRow, errorsSchema } from '../../schemas/errors.js';
import { tempDir } from '../helpers/tmp.js';

const row = (clipId: string, stage: string): ErrorRow => ({
  clip_id: clipId,
  stage,
  round: 0,
  error_kind: 'missing_file',
  message: `${clipId} is gone`,
  at: '2026-01-01T00:00:00Z',
});
const table = (rows: ErrorRow[]) => parquetBytes(errorsSchema, [rowsToBatch(errorsSchema, rows)]);

describe('readRunErrors', () => {
  it('reads every errors table of a run in key order, skipping temp files and other files', async () => {
    const dir = await tempDir('flywheel-run-errors-');
    await mkdir(join(dir, 'errors'), { recursive: true });
    await writeFile(join(dir, 'errors', 'frames-shard-00001.parquet'), table([row('b', 'frames')]));
    await writeFile(join(dir, 'errors', 'frames-shard-00000.parquet'), table([row('a', 'frames')]));
    await writeFile(join(dir, 'errors', 'manifest.parquet'), table([row('row:3', 'manifest')]));
    await writeFile(join(dir, 'errors', `frames-shard-00002.parquet${TEMP_MARKER}1-ab`), table([row('c', 'frames')]));
    await writeFile(join(dir, 'errors', 'notes.txt'), 'not a table');
    const rows = await readRunErrors(new LocalStorage(dir));
    expect(rows.map((r) => r.clip_id)).toEqual(['a', 'b', 'row:3']);
    expect(await readRunErrors(new LocalStorage(join(dir, 'no-such-run')))).toEqual([]);
  });
});
