/**
 * `defineStage`: a bad declaration or option fails when the stage is built, naming the stage and
 * the field; omitted settings get their defaults; `process` sees and returns typed rows.
 */
import { describe, expect, it } from 'vitest';
import { batchToRows } from '../../schemas/arrow.js';
import { defineStage } from '../../pipeline/define-stage.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { col, table } from '../../schemas/table.js';
import { clipsTable } from '../../schemas/clips.js';
import { choiceRuleSchema } from '../../config/choice-rule.js';
import { adatailrStage } from '../../stages/adatailr/stage.js';
import { attachFramesStage } from '../../stages/attach-frames/stage.js';
import { captionStage } from '../../stages/caption/stage.js';
import { manyClips } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';
import { lengthTable } from '../helpers/toy-stages.js';

const ids = table({ clip_id: col.utf8() });
const base = {
  name: 'ids',
  input: clipsTable,
  output: ids,
  process: (rows: { clip_id: string }[]) => Promise.resolve(rows.map((r) => ({ clip_id: r.clip_id }))),
};
const ctx = {
  stage: 'ids',
  shardId: 's',
  round: 0,
  signal: new AbortController().signal,
  log: { info: () => undefined, warn: () => undefined, debug: () => undefined },
  reportError: () => undefined,
};

describe('defineStage', () => {
  it('fills in the defaults of every setting', () => {
    const s = defineStage(base);
    expect(s).toMatchObject({ name: 'ids', resources: { cpus: 1, gpus: 0 }, batchSize: 64, concurrency: 1 });
    expect(s.wholeShard).toBe(false);
    expect(s.persist).toBeUndefined();
    expect(s.persistSchema).toBeUndefined();
    expect(s.inputSchema).toBe(clipsTable.schema);
    expect(s.outputSchema).toBe(ids.schema);
    expect(defineStage({ ...base, resources: { gpus: 1 } }).resources).toEqual({ cpus: 1, gpus: 1 });
  });

  it.each([
    ['batchSize 0', { batchSize: 0 }, 'stage "ids": batchSize: Too small: expected number to be >=1 (got 0)'],
    [
      'batchSize 2.5',
      { batchSize: 2.5 },
      'stage "ids": batchSize: Invalid input: expected int, received number (got 2.5)',
    ],
    [
      'concurrency NaN',
      { concurrency: Number.NaN },
      'stage "ids": concurrency: Invalid input: expected number, received NaN (got NaN)',
    ],
    [
      'cpus -1',
      { resources: { cpus: -1 } },
      'stage "ids": resources.cpus: Too small: expected number to be >=0 (got -1)',
    ],
    [
      'a name that is not a directory name',
      { name: 'Bad Name' },
      'stage "Bad Name": name: must be lower-case letters, digits, - or _',
    ],
    [
      'groupBy of a column not in the input',
      { groupBy: 'nope' },
      'stage "ids": groupBy: "nope" is not an input column (has clip_id, video_uri,',
    ],
    [
      'wholeShard with a batchSize',
      { wholeShard: true, batchSize: 8 },
      'stage "ids": batchSize: a wholeShard stage gets one batch per shard',
    ],
    [
      'wholeShard with groupBy',
      { wholeShard: true, groupBy: 'video_uri' },
      'stage "ids": groupBy: a wholeShard stage gets one batch per shard',
    ],
    [
      'a stored table that is not part of the output',
      { stored: lengthTable },
      'stage "ids": stored: column "duration_s" is not an output column of the same type',
    ],
  ] as const)('refuses %s, naming the stage and the field', (_label, bad, message) => {
    expect(() => defineStage({ ...base, ...(bad as object) })).toThrow(message);
  });

  it('hands process typed rows and turns its rows into a batch of the output schema', async () => {
    const s = defineStage(base);
    const out = await s.process(clipsTable.toBatch(manyClips(3, ['a.mp4'])), ctx);
    expect(out.schema.fields.map((f) => f.name)).toEqual(['clip_id']);
    expect(batchToRows(out)).toEqual([{ clip_id: 'c0000' }, { clip_id: 'c0001' }, { clip_id: 'c0002' }]);
  });

  it('opens declared side inputs before setup and fails setup naming the missing run', async () => {
    const dir = await tempDir();
    const stage = attachFramesStage({ framesRun: new LocalStorage(dir) });
    expect(stage.sideInputs?.frames?.stage).toBe('frames');
    await expect(stage.setup()).rejects.toThrow(`side input frames: run ${dir} has no run.json`);
  });
});

describe('stage options', () => {
  const never = (): Promise<never> => Promise.reject(new Error('not loaded'));
  const adatailr = {
    round: 1,
    load: [never],
    judges: [never],
    gamma: 'adaptive' as const,
    vocabSize: 64,
    wMin: 0,
    policy: { kind: 'keep-all' as const },
    choice: choiceRuleSchema.parse({}),
  };

  it('fills in defaults (caption: 128 rows per call; adatailr: a whole shard per call)', () => {
    expect(captionStage({ round: 0, modelVersion: 'text' })).toMatchObject({ batchSize: 128, resources: { gpus: 0 } });
    expect(adatailrStage(adatailr)).toMatchObject({ wholeShard: true, resources: { gpus: 1 } });
  });

  it('refuse a bad value, naming the stage, the field and the value', () => {
    expect(() => captionStage({ round: 0, modelVersion: 'text', modelBatch: 0 })).toThrow(
      'stage "caption": modelBatch: Too small: expected number to be >0 (got 0)',
    );
    expect(() => adatailrStage({ ...adatailr, gamma: 2 })).toThrow(
      'stage "adatailr": gamma: Too big: expected number to be <=1 (got 2)',
    );
    expect(() => adatailrStage({ ...adatailr, wMin: -0.5 })).toThrow('stage "adatailr": wMin: Too small');
    expect(() =>
      attachFramesStage({ framesRun: new LocalStorage('/x'), expect: { count: 0, width: 8, height: 8 } }),
    ).toThrow('stage "attach-frames": expect.count: Too small: expected number to be >0 (got 0)');
  });
});
