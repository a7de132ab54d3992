/**
 * Reading a truth table from disk: from its file or its dataset's directory, as rows or a map by
 * clip; a missing file and a Parquet file that is not a truth table are refused by name.
 */
import { join } from 'node:path';
import { Field, Schema, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readTruth, readTruthMap } from '../../../jobs/refine/truth-file.js';
import { writeParquetRows } from '../../../pipeline/parquet-file.js';
import { TRUTH_FILE, type TruthRow, truthSchema } from '../../../schemas/truth.js';
import { tempDir } from '../../helpers/tmp.js';

const row = (clip_id: string, corrupted: boolean): TruthRow => ({
  clip_id,
  split: 'train',
  gt_caption: `a red square moves left (${clip_id})`,
  attrs_json: '{}',
  corrupted,
  noise_kinds: corrupted ? ['swap'] : [],
  title_corrupted: false,
});

describe('truth file', () => {
  it('reads the table from its file or from the directory that holds it', async () => {
    const dir = await tempDir();
    await writeParquetRows(join(dir, TRUTH_FILE), truthSchema, [row('c1', false), row('c2', true)]);
    expect((await readTruth(dir)).map((r) => r.clip_id)).toEqual(['c1', 'c2']);
    const byClip = await readTruthMap(join(dir, TRUTH_FILE));
    expect(byClip.get('c2')?.corrupted).toBe(true);
    expect(byClip.get('c2')?.noise_kinds).toEqual(['swap']);
  });

  it('refuses a missing file and a table that is not a truth table, naming the file', async () => {
    const dir = await tempDir();
    await expect(readTruth(dir)).rejects.toThrow(`truth ${join(dir, TRUTH_FILE)}: no such file`);
    const other = join(dir, 'clips.parquet');
    await writeParquetRows(other, new Schema([new Field('clip_id', new Utf8(), false)]), [{ clip_id: 'c1' }]);
    await expect(readTruth(other)).rejects.toThrow(`truth ${other}: not a truth table`);
  });
});
