import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { csvRecords, type ManifestItem, readManifest } from '../../pipeline/manifest/index.js';
import { clip, writeJsonl, writeParquetManifest } from '../helpers/manifests.js';
import { fromItems } from '../helpers/async.js';
import { tempDir } from '../helpers/tmp.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

async function read(path: string): Promise<ManifestItem[]> {
  const out: ManifestItem[] = [];
  for await (const x of readManifest(path)) out.push(x);
  return out;
}
const messages = (items: ManifestItem[]): string[] =>
  items.flatMap((i) => ('error' in i ? [`${i.error.error_kind}: ${i.error.message}`] : []));

describe('manifest readers', () => {
  it('reads JSONL and turns each malformed row into an error naming file and row', async () => {
    const p = await writeJsonl(join(dir, 'm.jsonl'), [
      clip('a', 'a.mp4', 0, 2),
      { video_uri: 'b.mp4', start_s: 0, end_s: 1 },
      clip('a', 'c.mp4', 0, 1),
      clip('neg', 'd.mp4', -1, 1),
      clip('inv', 'd.mp4', 5, 2),
      { ...clip('nan', 'd.mp4', 0, 1), end_s: 'soon' },
      { ...clip('nouri', '', 0, 1) },
      '{not json',
      clip('ok', 'e.mp4', 1.5, 3),
    ]);
    const items = await read(p);
    expect(items.filter((i) => 'clip' in i).map((i) => ('clip' in i ? i.clip.clip_id : ''))).toEqual(['a', 'ok']);
    const m = messages(items);
    expect(m).toEqual([
      expect.stringMatching(/^manifest_row: .*m\.jsonl row 2: missing clip_id \(got nothing\)$/),
      expect.stringMatching(/^manifest_row: .*row 3: duplicate clip_id "a" \(first seen at row 1\)/),
      expect.stringMatching(/^bad_time_range: .*row 4: start_s is negative \(got -1\)$/),
      expect.stringMatching(/^bad_time_range: .*row 5: end_s must be greater than start_s \(got start_s=5, end_s=2\)$/),
      expect.stringMatching(/^bad_time_range: .*row 6: end_s is not a number \(got "soon"\)$/),
      expect.stringMatching(/^manifest_row: .*row 7: unreadable video_uri \(got ""\)/),
      expect.stringMatching(/^manifest_row: .*row 8: unparsable row: invalid JSON/),
    ]);
    const missing = items.find((i) => 'error' in i && i.row === 2);
    expect(missing && 'error' in missing ? missing.error.clip_id : '').toBe('row:2');
  });

  it('checks each field, names it and quotes the value (one error per row, in field order)', async () => {
    const p = await writeJsonl(join(dir, 'fields.jsonl'), [
      {
        ...clip('7', 'a.mp4', 0, 1),
        clip_id: ' 7 ',
        start_s: '1',
        end_s: '2.5',
        title: '',
        split: 'human',
        tags: '["x", "y"]',
        asr_text: 5,
      },
      { ...clip('n', 'a.mp4', 0, 1), clip_id: 42, tags: 'a| b ||c', human_caption: 'a cat' },
      clip('   ', 'a.mp4', 0, 1),
      { ...clip('nul', 'a\u0000.mp4', 0, 1) },
      { ...clip('str', 'a.mp4', 0, 2), start_s: '-1', tags: '[bad' },
      { ...clip('emp', 'a.mp4', 0, 2), start_s: '' },
      { ...clip('t1', 'a.mp4', 0, 1), tags: '[1, 2]' },
      { ...clip('t2', 'a.mp4', 0, 1), tags: { a: 1 } },
      { ...clip('t3', 'a.mp4', 0, 1), tags: ['ok', 3] },
      { ...clip('inv', 'a.mp4', 3, 3) },
      { clip_id: 'min', video_uri: 'b.mp4', start_s: 0, end_s: 1 },
    ]);
    const items = await read(p);
    expect(items.flatMap((i) => ('clip' in i ? [i.clip] : []))).toEqual([
      {
        clip_id: '7',
        video_uri: 'a.mp4',
        start_s: 1,
        end_s: 2.5,
        asr_text: '',
        title: null,
        tags: ['x', 'y'],
        human_caption: null,
        split: 'human',
      },
      {
        clip_id: '42',
        video_uri: 'a.mp4',
        start_s: 0,
        end_s: 1,
        asr_text: 'asr n',
        title: null,
        tags: ['a', 'b', 'c'],
        human_caption: 'a cat',
        split: null,
      },
      {
        clip_id: 'min',
        video_uri: 'b.mp4',
        start_s: 0,
        end_s: 1,
        asr_text: '',
        title: null,
        tags: null,
        human_caption: null,
        split: null,
      },
    ]);
    expect(messages(items)).toEqual([
      expect.stringMatching(/^manifest_row: .*fields\.jsonl row 3: missing clip_id \(got " {3}"\)$/),
      expect.stringMatching(
        /^manifest_row: .*row 4: unreadable video_uri \(got "a\\u0000\.mp4"\): expected a non-empty path$/,
      ),
      expect.stringMatching(/^bad_time_range: .*row 5: start_s is negative \(got -1\)$/),
      expect.stringMatching(/^bad_time_range: .*row 6: start_s is not a number \(got ""\)$/),
      expect.stringMatching(
        /^manifest_row: .*row 7: tags must be a list of strings, a JSON array or "a\|b" \(got "\[1, 2\]"\)$/,
      ),
      expect.stringMatching(/^manifest_row: .*row 8: tags must be .* \(got \{"a":1\}\)$/),
      expect.stringMatching(/^manifest_row: .*row 9: tags must be .* \(got \["ok",3\]\)$/),
      expect.stringMatching(
        /^bad_time_range: .*row 10: end_s must be greater than start_s \(got start_s=3, end_s=3\)$/,
      ),
    ]);
  });

  it('reads CSV with quoted fields, embedded commas/newlines and tags', async () => {
    const p = join(dir, 'm.csv');
    await writeFile(
      p,
      'clip_id,video_uri,start_s,end_s,asr_text,tags\r\nx,"dir/a, ""b"".mp4",0,2.5,"line1\nline2",cat|dog\ny,b.mp4,3,1,,\nz,c.mp4,0,1,hi\n',
    );
    const items = await read(p);
    const first = items[0];
    expect('clip' in first && first.clip).toMatchObject({
      clip_id: 'x',
      video_uri: 'dir/a, "b".mp4',
      start_s: 0,
      end_s: 2.5,
      asr_text: 'line1\nline2',
      tags: ['cat', 'dog'],
    });
    expect(messages(items)).toEqual([
      expect.stringMatching(/m\.csv row 2: end_s must be greater/),
      expect.stringMatching(/m\.csv row 3: unparsable row: has 5 fields, header has 6/),
    ]);
  });

  it('a CSV quote never closed ends the file with one error row, after the rows before it', async () => {
    const p = join(dir, 'q.csv');
    await writeFile(
      p,
      'clip_id,video_uri,start_s,end_s,asr_text\nq1,a.mp4,0,1,ok\nq2,b.mp4,0,1,"never closed\nq3,c.mp4,0,1,x\n',
    );
    const items = await read(p);
    expect(items.filter((i) => 'clip' in i)).toHaveLength(1);
    expect(messages(items)).toEqual([
      expect.stringMatching(/q\.csv row 2: unparsable row: Quote Not Closed.*; the rest of the file is skipped$/),
    ]);
  });

  it('reads a Parquet manifest written with the clips schema', async () => {
    const p = await writeParquetManifest(join(dir, 'm.parquet'), [
      clip('p1', 'a.mp4', 0, 1),
      { ...clip('p2', 'b.mp4', 1, 2), tags: ['t'] },
      clip('p1', 'c.mp4', 0, 1),
    ]);
    const items = await read(p);
    expect(items.filter((i) => 'clip' in i)).toHaveLength(2);
    expect(items[1]).toMatchObject({ clip: { clip_id: 'p2', tags: ['t'] } });
    expect(messages(items)).toEqual([expect.stringMatching(/m\.parquet row 3: duplicate clip_id "p1"/)]);
  });

  it('rejects an unknown manifest format or a missing file with a clear message', async () => {
    await expect(read(join(dir, 'm.xlsx'))).rejects.toThrow(/unknown format "\.xlsx"; use \.parquet, \.csv or \.jsonl/);
    await expect(read(join(dir, 'nope.csv'))).rejects.toThrow(/nope\.csv: cannot read \(ENOENT\)/);
  });

  it('csv parser handles a final line without newline', async () => {
    const src = (): AsyncIterable<string> => fromItems(['a,"b', '""c",d\ne,f']);
    const recs: string[][] = [];
    for await (const r of csvRecords(src())) recs.push(r);
    expect(recs).toEqual([
      ['a', 'b"c', 'd'],
      ['e', 'f'],
    ]);
  });
});
