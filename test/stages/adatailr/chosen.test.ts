/**
 * Reading last round's chosen captions back. `chosenCaptions` reads the whole run: kept rows with a
 * non-empty caption only. `ChosenCaptionsReader` answers a shard's clips from the last run's shard of
 * the same id alone (it never holds another shard's captions); where a clip is not in that shard, or
 * the shard is not in the last run, it reads the whole run once, says why once, and answers from it.
 * Each shard is read once however many concurrent asks come; a corrupt one fails naming its file and
 * is read again on the next ask; a sample's read of the whole run fails on it too. A run that never
 * ran has no captions. The fixture is a run directory written here: run.json and Parquet scores.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rowsToBatch } from '../../../schemas/arrow.js';
import { layout } from '../../../pipeline/layout.js';
import { jsonBytes } from '../../../pipeline/ledger.js';
import { parquetBytes } from '../../../pipeline/parquet.js';
import { LocalStorage } from '../../../pipeline/storage.js';
import { type ScoreRow, scoresSchema } from '../../../schemas/scores.js';
import { ChosenCaptionsReader, chosenCaptions } from '../../../stages/adatailr/chosen.js';
import { scoreRow } from '../../helpers/score-row.js';
import { tempDir } from '../../helpers/tmp.js';

function score(clipId: string, caption: string, keep: boolean): ScoreRow {
  return scoreRow(clipId, { caption, caption_source: 'asr', keep });
}

/** A finished round run with two shards of adatailr scores. */
async function roundRun(): Promise<string> {
  const dir = await tempDir();
  const shards: Record<string, ScoreRow[]> = {
    'shard-00000': [score('c1', 'a red circle', true), score('c2', 'a blue square', false), score('c3', '  ', true)],
    'shard-00001': [score('c4', 'a green triangle', true)],
  };
  await mkdir(join(dir, 'adatailr'), { recursive: true });
  await writeFile(join(dir, layout.runMeta), jsonBytes({ shards: Object.keys(shards) }));
  for (const [shard, rows] of Object.entries(shards))
    await writeFile(
      join(dir, layout.output('adatailr', shard)),
      parquetBytes(scoresSchema, [rowsToBatch(scoresSchema, rows)]),
    );
  return dir;
}

describe('chosen captions', () => {
  it('the whole run: kept rows with a caption only', async () => {
    const got = await chosenCaptions(new LocalStorage(await roundRun()));
    expect([...got]).toEqual([
      ['c1', 'a red circle'],
      ['c4', 'a green triangle'],
    ]);
  });

  it('only some clips: their kept captions alone, across shards', async () => {
    const got = await chosenCaptions(new LocalStorage(await roundRun()), new Set(['c2', 'c4', 'c9']));
    expect([...got]).toEqual([['c4', 'a green triangle']]);
  });

  it("a shard's clips are answered from the last run's shard of the same id, holding no other shard's", async () => {
    const reader = await ChosenCaptionsReader.open(new LocalStorage(await roundRun()));
    expect([...(await reader.forShard('shard-00000', ['c1', 'c2', 'c3']))]).toEqual([['c1', 'a red circle']]);
    expect([...(await reader.forShard('shard-00001', ['c4']))]).toEqual([['c4', 'a green triangle']]);
    expect(reader.readWhole).toBe(false);
  });

  it('a clip outside that shard, or a shard the last run did not have, reads the whole run once', async () => {
    const run = await roundRun();
    const heard: string[] = [];
    const moved = await ChosenCaptionsReader.open(new LocalStorage(run), (why) => heard.push(why));
    expect((await moved.forShard('shard-00000', ['c1', 'c4'])).get('c4')).toBe('a green triangle');
    expect((await moved.forShard('shard-00001', ['c1', 'c4'])).get('c1')).toBe('a red circle');
    expect(moved.readWhole).toBe(true);
    expect(heard).toHaveLength(1); // said once, read once
    expect(heard[0]).toMatch(/clip c4 of shard shard-00000 is not in .*'s shard-00000; reading the whole run/);
    const other = await ChosenCaptionsReader.open(new LocalStorage(run));
    expect((await other.forShard('shard-00007', ['c1'])).get('c1')).toBe('a red circle');
    expect(other.readWhole).toBe(true);
  });

  it('each shard is read once, however many batches of concurrent shards ask for it', async () => {
    const run = new LocalStorage(await roundRun());
    const opened: string[] = [];
    const counting = new Proxy(run, {
      get(target, key, receiver) {
        if (key === 'openBlob')
          return (k: string) => {
            opened.push(k);
            return target.openBlob(k);
          };
        const v: unknown = Reflect.get(target, key, receiver);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const reader = await ChosenCaptionsReader.open(counting);
    const asks = await Promise.all(
      [0, 1, 2].flatMap(() => [reader.forShard('shard-00000', ['c1']), reader.forShard('shard-00001', ['c4'])]),
    );
    expect(asks.map((m) => [...m.keys()].join())).toEqual(['c1', 'c4', 'c1', 'c4', 'c1', 'c4']);
    expect(opened.sort()).toEqual(['adatailr/shard-00000.parquet', 'adatailr/shard-00001.parquet']);
  });

  it('a corrupt shard fails with its file named, and is read again on the next ask', async () => {
    const dir = await roundRun();
    const file = join(dir, layout.output('adatailr', 'shard-00001'));
    const good = await readFile(file);
    await writeFile(file, 'not parquet');
    const reader = await ChosenCaptionsReader.open(new LocalStorage(dir));
    await expect(reader.forShard('shard-00001', ['c4'])).rejects.toThrow(
      /adatailr\/shard-00001\.parquet: cannot read it as Parquet/,
    );
    await writeFile(file, good);
    expect((await reader.forShard('shard-00001', ['c4'])).get('c4')).toBe('a green triangle');
  });

  it("a sample's read (the held-out check's) fails naming a corrupt shard, even one without its clips", async () => {
    const dir = await roundRun();
    await writeFile(join(dir, layout.output('adatailr', 'shard-00001')), 'not parquet');
    await expect(chosenCaptions(new LocalStorage(dir), new Set(['c1']))).rejects.toThrow(
      /adatailr\/shard-00001\.parquet: cannot read it as Parquet/,
    );
  });

  it('a run that never ran has no captions', async () => {
    const reader = await ChosenCaptionsReader.open(new LocalStorage(await tempDir()));
    expect((await reader.forShard('shard-00000', ['c1'])).size).toBe(0);
  });
});
