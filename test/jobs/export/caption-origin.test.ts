/**
 * Following carried-over captions back: a row whose caption is last round's choice (`previous`) is
 * traced through the earlier rounds, a shard at a time, to the round that first chose the same text,
 * with the source it was chosen from there and the model that wrote it. Where a round chose other
 * text, dropped the clip, or lacks the shard, the origin stays unknown. The fixtures are round runs
 * written here: run.json and Parquet scores and captions.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptionOrigins, type EarlierRun } from '../../../jobs/export/caption-origin.js';
import { rowsToBatch } from '../../../schemas/arrow.js';
import { layout } from '../../../pipeline/layout.js';
import { jsonBytes } from '../../../pipeline/ledger.js';
import { parquetBytes } from '../../../pipeline/parquet.js';
import { LocalStorage } from '../../../pipeline/storage.js';
import { type CaptionRow, captionsSchema } from '../../../schemas/captions.js';
import { type ScoreRow, scoresSchema } from '../../../schemas/scores.js';
import { scoreRow } from '../../helpers/score-row.js';
import { tempDir } from '../../helpers/tmp.js';

type Chosen = [clip: string, caption: string, source: string, keep?: boolean];

/** A finished round run of one shard: each clip's choice, and the version that wrote the round's candidates. */
async function roundRun(round: number, writer: string, chosen: Chosen[], shard = 'shard-00000'): Promise<EarlierRun> {
  const dir = await tempDir();
  await mkdir(join(dir, 'adatailr'), { recursive: true });
  await mkdir(join(dir, 'caption'), { recursive: true });
  await writeFile(join(dir, layout.runMeta), jsonBytes({ shards: [shard] }));
  const scores: ScoreRow[] = chosen.map(([clip, caption, source, keep]) =>
    scoreRow(clip, { round, caption, caption_source: source, keep: keep ?? true }),
  );
  const captions: CaptionRow[] = chosen.map(([clip]) => ({
    clip_id: clip,
    round,
    model_version: writer,
    candidate_sources: [],
    candidate_captions: [],
  }));
  await writeFile(
    join(dir, layout.output('adatailr', shard)),
    parquetBytes(scoresSchema, [rowsToBatch(scoresSchema, scores)]),
  );
  await writeFile(
    join(dir, layout.output('caption', shard)),
    parquetBytes(captionsSchema, [rowsToBatch(captionsSchema, captions)]),
  );
  return { round, run: new LocalStorage(dir) };
}

const row = (clip_id: string, caption: string, caption_source = 'previous') => ({ clip_id, caption, caption_source });

describe('CaptionOrigins', () => {
  it('follows a carried-over caption back to the round that first chose it, naming its source and writer', async () => {
    const r0 = await roundRun(0, 'text', [
      ['a', 'a red square', 'asr'],
      ['b', 'a blue circle', 'title'],
      ['c', 'a green square', 'asr'],
    ]);
    const r1 = await roundRun(1, 'm1+teacher:t', [
      ['a', 'a red square moves left', 'synthetic'],
      ['b', 'a blue circle', 'previous'],
      ['c', 'a green square', 'asr'],
    ]);
    const r2 = await roundRun(2, 'm2', [
      ['a', 'a red square moves left', 'previous'],
      ['b', 'a blue circle', 'previous'],
      ['c', 'a green square moves up', 'synthetic'],
    ]);
    const origins = await CaptionOrigins.open([r2, r1, r0]);
    const got = await origins.forShard('shard-00000', [
      row('a', 'a red square moves left'),
      row('b', 'a blue circle'),
      row('c', 'a green square moves up'),
      row('d', 'a white circle', 'synthetic'),
    ]);
    expect(Object.fromEntries(got)).toEqual({
      a: { source: 'synthetic', round: 1, modelVersion: 'm1' },
      b: { source: 'title', round: 0, modelVersion: 'text' },
      c: { source: 'synthetic', round: 2, modelVersion: 'm2' },
    });
  });

  it('leaves the origin unknown where an earlier round chose other text, dropped the clip, or lacks the shard', async () => {
    const r0 = await roundRun(0, 'text', [
      ['a', 'a red square', 'asr'],
      ['b', 'a blue circle', 'title', false],
    ]);
    const r1 = await roundRun(1, 'm1', [
      ['a', 'a red square', 'previous'],
      ['b', 'a blue circle', 'previous'],
    ]);
    const other = await roundRun(0, 'text', [['a', 'a red square', 'asr']], 'shard-00009');
    const origins = await CaptionOrigins.open([r1, r0]);
    // 'a' goes back to round 0's transcript; round 0 dropped 'b', so where its caption came from is unknown
    const got = await origins.forShard('shard-00000', [row('a', 'a red square'), row('b', 'a blue circle')]);
    expect(Object.fromEntries(got)).toEqual({ a: { source: 'asr', round: 0, modelVersion: 'text' } });
    // another text than the earlier round chose
    expect((await origins.forShard('shard-00000', [row('a', 'a red square moves')])).size).toBe(0);
    // a shard the earlier rounds do not have
    expect((await (await CaptionOrigins.open([other])).forShard('shard-00000', [row('a', 'a red square')])).size).toBe(
      0,
    );
    // no earlier rounds at all (a schedule tick)
    expect((await (await CaptionOrigins.open([])).forShard('shard-00000', [row('a', 'a red square')])).size).toBe(0);
  });
});
