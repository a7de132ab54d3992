/**
 * Plan-time checks of a stage list: unique names, and every stage's input columns produced by the
 * stage before it with the same Arrow type (the first stage reads the manifest's clips table).
 * A refused list fails `planRun` before anything is written. The refine round's real chain
 * (attach-frames → caption → adatailr) passes. Planning streams a manifest of many bad rows to
 * its errors file, and a manifest rewritten while planned leaves no run and no temp behind.
 */
import { appendFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Field, Int32, Schema, type TypeMap, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { planRun } from '../../pipeline/plan.js';
import type { AnyStage } from '../../pipeline/stage.js';
import { checkSchemaChain, checkStageList, checkUniqueNames } from '../../pipeline/stage-checks.js';
import { LocalStorage, type TempObject, type WriteData } from '../../pipeline/storage.js';
import { clipsSchema } from '../../schemas/clips.js';
import { choiceRuleSchema } from '../../config/choice-rule.js';
import { adatailrStage } from '../../stages/adatailr/stage.js';
import { attachFramesStage } from '../../stages/attach-frames/stage.js';
import { captionStage } from '../../stages/caption/stage.js';
import { manyClips, writeJsonl } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';
import { duckRows } from '../jobs/import/duckdb.js';
import { doubleStage, lengthSchema, lengthStage } from '../helpers/toy-stages.js';

/** A toy stage reading `input` (only its schemas matter here). */
function reads(name: string, input: Schema<TypeMap>): AnyStage {
  return { ...doubleStage(), name, inputSchema: input };
}

describe('stage list checks', () => {
  it('accept a chain whose inputs are all produced upstream', () => {
    expect(() => checkStageList([lengthStage(), doubleStage()])).not.toThrow();
  });

  it('refuse duplicate names, naming both positions', () => {
    expect(() => checkUniqueNames([lengthStage(), doubleStage(), lengthStage()])).toThrow(
      'stage names must be unique: stage 3 and stage 1 are both named "length"',
    );
  });

  it('refuse a first stage whose input is not in the clips schema', () => {
    expect(() => checkSchemaChain([doubleStage()])).toThrow(
      /^stage "double" reads column "duration_s" as Float64, but the manifest \(clips schema\) does not output it \(outputs clip_id, video_uri, /,
    );
  });

  it('refuse a stage whose input column the previous stage does not output, naming both stages', () => {
    const needsTitle = reads(
      'titles',
      new Schema<TypeMap>([new Field('clip_id', new Utf8(), false), new Field('title', new Utf8(), true)]),
    );
    expect(() => checkSchemaChain([lengthStage(), needsTitle])).toThrow(
      'stage "titles" reads column "title" as Utf8, but stage "length" does not output it (outputs clip_id, duration_s)',
    );
  });

  it('refuse a stage whose input column has another type upstream', () => {
    const intIds = reads('ints', new Schema<TypeMap>([new Field('clip_id', new Int32(), false)]));
    expect(() => checkSchemaChain([lengthStage(), intIds])).toThrow(
      'stage "ints" reads column "clip_id" as Int32, but stage "length" outputs it as Utf8',
    );
  });

  it('check against the stage right before, not any earlier one', () => {
    // clip_id and duration_s exist upstream of "again", but video_uri only in the manifest
    const again = reads('again', new Schema<TypeMap>([...lengthSchema.fields, clipsSchema.fields[1]]));
    expect(() => checkSchemaChain([lengthStage(), doubleStage(), again])).toThrow(
      'stage "again" reads column "duration_s" as Float64, but stage "double" does not output it',
    );
  });

  it('refuse a bad batch size as the engine does (defineStage refuses it even earlier)', () => {
    expect(() => lengthStage({ batchSize: 0 })).toThrow('stage "length": batchSize: Too small');
    expect(() => checkStageList([{ ...lengthStage(), batchSize: 0 }])).toThrow(
      'stage "length": batchSize must be a positive integer, got 0',
    );
  });

  it('pass the refine round chain: attach-frames → caption → adatailr', async () => {
    const never = (): Promise<never> => Promise.reject(new Error('not loaded in a plan check'));
    const stages = [
      attachFramesStage({ framesRun: new LocalStorage(await tempDir()) }),
      captionStage({ round: 1, modelVersion: 'text' }),
      adatailrStage({
        round: 1,
        load: [never],
        judges: [never],
        gamma: 'adaptive',
        vocabSize: 64,
        wMin: 0,
        policy: { kind: 'keep-all' },
        choice: choiceRuleSchema.parse({}),
      }),
    ];
    expect(() => checkStageList(stages)).not.toThrow();
    expect(() => checkStageList([stages[0], stages[2]])).toThrow(
      /^stage "adatailr" reads column "round" as Int32, but stage "attach-frames" does not output it/,
    );
  });
});

describe('planRun', () => {
  it('refuses a bad stage list before reading the manifest or writing anything', async () => {
    const root = await tempDir();
    const manifest = await writeJsonl(join(root, 'clips.jsonl'), manyClips(4, ['a.mp4']));
    const runDir = join(root, 'run');
    const storage = new LocalStorage(runDir);
    const plan = (stages: AnyStage[]): Promise<unknown> =>
      planRun({ storage, manifestPath: manifest, shardSize: 2, round: 0, stages, config: {} });
    await expect(plan([lengthStage(), lengthStage()])).rejects.toThrow('stage names must be unique');
    await expect(plan([doubleStage(), lengthStage()])).rejects.toThrow('stage "double" reads column "duration_s"');
    await expect(readdir(runDir)).rejects.toThrow(/ENOENT/);
    await expect(plan([lengthStage(), doubleStage()])).resolves.toMatchObject({ resumed: false });
  });
});

describe('planning a manifest', () => {
  /** 30 clips, each after 300 rows with no clip id, and every 5th clip's id again (a duplicate). */
  function manyBadRows(): unknown[] {
    const rows: unknown[] = [];
    for (const [i, c] of manyClips(30, ['a.mp4']).entries()) {
      for (let b = 0; b < 300; b++) rows.push({ video_uri: 'a.mp4', start_s: 0, end_s: 1 });
      rows.push(c);
      if (i % 5 === 0) rows.push({ ...c, video_uri: 'again.mp4' });
    }
    return rows;
  }

  it('writes every error row of a manifest with thousands, in row order, and shards the clips', async () => {
    const dir = await tempDir('flywheel-plan-errors-');
    const manifest = await writeJsonl(join(dir, 'm.jsonl'), manyBadRows());
    const storage = new LocalStorage(join(dir, 'run'));
    const { meta } = await planRun({
      storage,
      manifestPath: manifest,
      shardSize: 10,
      round: 0,
      stages: [lengthStage()],
      config: {},
    });
    expect(meta.manifest).toMatchObject({ rows: 9036, clips: 30, errors: 9006 });
    expect(meta.shards).toHaveLength(3);
    const file = join(dir, 'run', 'errors', 'manifest.parquet');
    const [counts] = await duckRows(
      `select count(*)::int as n, count(*) filter (where message like '%duplicate clip_id%')::int as duplicates from read_parquet('${file}')`,
    );
    expect(counts).toEqual({ n: 9006, duplicates: 6 });
    const rowsOf = await duckRows(
      `select cast(regexp_extract(message, 'row ([0-9]+):', 1) as int) as row from read_parquet('${file}')`,
    );
    const order = rowsOf.map((r) => r.row as number);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order.at(-1)).toBe(9035);
  });

  it('refuses a manifest rewritten while it is planned, leaving no run, no shard and no temp', async () => {
    const dir = await tempDir('flywheel-plan-rewritten-');
    const manifest = await writeJsonl(join(dir, 'm.jsonl'), manyBadRows());
    /** A fault: the manifest grows when the first shard is written. */
    class RewritingStorage extends LocalStorage {
      #done = false;
      override async writeTemp(key: string, data: WriteData): Promise<TempObject> {
        if (!this.#done && key.startsWith('input/')) {
          this.#done = true;
          await appendFile(
            manifest,
            JSON.stringify({ clip_id: 'late', video_uri: 'l.mp4', start_s: 0, end_s: 1 }) + '\n',
          );
        }
        return super.writeTemp(key, data);
      }
    }
    const storage = new RewritingStorage(join(dir, 'run'));
    await expect(
      planRun({ storage, manifestPath: manifest, shardSize: 10, round: 0, stages: [lengthStage()], config: {} }),
    ).rejects.toThrow(/m\.jsonl: it changed while it was read/);
    expect(await readdir(join(dir, 'run'))).not.toContain('run.json');
    expect((await readdir(join(dir, 'run', 'errors'))).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // the three shards it wrote before the manifest's end are gone too
    expect(await readdir(join(dir, 'run', 'input'))).toEqual([]);
  });
});
