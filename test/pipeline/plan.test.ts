/**
 * Plan-time checks of a stage list: unique names, and every stage's input columns produced by the
 * stage before it with the same Arrow type (the first stage reads the manifest's clips table).
 * A refused list fails `planRun` before anything is written. The refine round's real chain
 * (attach-frames → caption → adatailr) passes.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Field, Int32, Schema, type TypeMap, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { planRun } from '../../pipeline/plan.js';
import type { AnyStage } from '../../pipeline/stage.js';
import { checkSchemaChain, checkStageList, checkUniqueNames } from '../../pipeline/stage-checks.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { clipsSchema } from '../../schemas/clips.js';
import { choiceRuleSchema } from '../../config/choice-rule.js';
import { adatailrStage } from '../../stages/adatailr/stage.js';
import { attachFramesStage } from '../../stages/attach-frames/stage.js';
import { captionStage } from '../../stages/caption/stage.js';
import { manyClips, writeJsonl } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';
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
