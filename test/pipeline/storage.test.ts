import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchToRows, rowsToBatch } from '../../schemas/arrow.js';
import { ParquetStreamWriter, readParquetBatches, readParquetTable, readStoredRows } from '../../pipeline/parquet.js';
import { LocalStorage, putObject } from '../../pipeline/storage.js';
import { framesSchema } from '../../schemas/frames.js';
import { tempDir } from '../helpers/tmp.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('LocalStorage', () => {
  it('commit is first-writer-wins unless overwrite is asked for, and leaves no temp files', async () => {
    const s = new LocalStorage(join(dir, 'a'));
    const [t1, t2] = await Promise.all([s.writeTemp('x/y.json', text('one')), s.writeTemp('x/y.json', text('two'))]);
    expect(t1.tempKey).not.toBe(t2.tempKey);
    expect(await s.commit(t1)).toBe('committed');
    expect(await s.commit(t2)).toBe('exists');
    expect(new TextDecoder().decode(await s.read('x/y.json'))).toBe('one');
    expect(await putObject(s, 'x/y.json', text('three'), { overwrite: true })).toBe('committed');
    expect(await readFile(join(dir, 'a', 'x', 'y.json'), 'utf8')).toBe('three');
    expect(await readdir(join(dir, 'a', 'x'))).toEqual(['y.json']);
    expect(await s.list('')).toEqual(['x/y.json']);
  });
  it('refuses keys that escape the run dir', async () => {
    const s = new LocalStorage(join(dir, 'b'));
    await expect(s.writeTemp('../evil', text('x'))).rejects.toThrow(/storage key escapes the run dir: "\.\.\/evil"/);
  });
});

describe('Parquet streaming writer', () => {
  it('writes batches as they come and reads them back; an empty file still carries the schema', async () => {
    const s = new LocalStorage(join(dir, 'c'));
    const w = new ParquetStreamWriter(s, 'f.parquet', framesSchema, { 'flywheel.stage': 'frames' });
    for (let b = 0; b < 3; b++) {
      await w.write(
        rowsToBatch(framesSchema, [
          {
            clip_id: `c${b}`,
            frame_index: 0,
            timestamp_s: b / 2,
            width: 2,
            height: 1,
            pixels: new Uint8Array([b, 1, 2, 3, 4, 5]),
          },
        ]),
      );
    }
    await s.commit(await w.close());
    const rows = [];
    for await (const batch of readParquetBatches(await s.openBlob('f.parquet'))) rows.push(...batchToRows(batch));
    expect(rows.map((r) => [r.clip_id, r.timestamp_s, Array.from(r.pixels as Uint8Array)[0]])).toEqual([
      ['c0', 0, 0],
      ['c1', 0.5, 1],
      ['c2', 1, 2],
    ]);
    // only the columns asked for are read (a training set's re-reads skip the pixels)
    expect(await readStoredRows(s, 'f.parquet', ['clip_id', 'timestamp_s'])).toEqual([
      { clip_id: 'c0', timestamp_s: 0 },
      { clip_id: 'c1', timestamp_s: 0.5 },
      { clip_id: 'c2', timestamp_s: 1 },
    ]);
    expect(await readStoredRows(s, 'missing.parquet', ['clip_id'])).toEqual([]);

    const empty = new ParquetStreamWriter(s, 'empty.parquet', framesSchema);
    await s.commit(await empty.close());
    const t = readParquetTable(await s.read('empty.parquet'));
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => f.name)).toEqual([
      'clip_id',
      'frame_index',
      'timestamp_s',
      'width',
      'height',
      'pixels',
    ]);
  });
});
