import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hashed, hashedPart, markedFields, unhashed } from '../../config/marks.js';
import { refineConfigSchema } from '../../config/refine.js';
import { configSchema } from '../../config/run.js';
import { hashValue } from '../../pipeline/hash.js';

/** A copy of `obj` with the value at a dotted path replaced (intermediate objects created). */
function withField(obj: unknown, field: string, value: unknown): unknown {
  const copy = structuredClone(obj) as Record<string, unknown>;
  const keys = field.split('.');
  let at: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) {
    at[k] = { ...(at[k] as Record<string, unknown> | undefined) };
    at = at[k] as Record<string, unknown>;
  }
  at[keys.at(-1) as string] = value;
  return copy;
}

/**
 * One valid value per marked field, different from the base config's. The test below requires the
 * table to cover exactly the marked fields, so a new field needs a mark and a row here.
 */
const runChanges: Record<string, unknown> = {
  run_dir: 'runs/b',
  manifest: 'other.jsonl',
  media_root: 'media2',
  shard_size: 7,
  shard_concurrency: 3,
  round: 1,
  'stages.frames.count': 4,
  'stages.frames.width': 32,
  'stages.frames.height': 32,
  'stages.frames.timeout_s': 5,
  'stages.frames.concurrency': 2,
  'stages.frames.method': 'seek',
  'stages.frames.seek_min_clip_s': 3,
  'stages.frames.ffmpeg_path': '/bin/ffmpeg',
  'stages.frames.ffprobe_path': '/bin/ffprobe',
};

const phase = (p: string): Record<string, unknown> => ({
  [`${p}.epochs`]: 2,
  [`${p}.batch_size`]: 8,
  [`${p}.lr`]: 0.01,
  [`${p}.warmup_steps`]: 3,
  [`${p}.weight_decay`]: 0.1,
  [`${p}.max_steps`]: 100,
});

const refineChanges: Record<string, unknown> = {
  run_dir: 'runs/b',
  manifest: 'other.parquet',
  media_root: 'data2',
  truth: 'truth.parquet',
  shard_size: 7,
  seed: 2,
  rounds: 2,
  folds: 3,
  'model.preset': 'small',
  'model.vocab_size': 256,
  'model.max_caption_len': 20,
  'model.max_text_len': 30,
  'model.frames': 8,
  'model.frame_size': 48,
  'model.patch': 16,
  'model.d_model': 96,
  'model.ffn': 192,
  'model.enc_layers': 2,
  'model.dec_layers': 2,
  'model.frame_diff': false,
  'model.init': 'models/v1',
  'model.init_captions': true,
  'model.teacher.dir': 'teachers/vit-gpt2',
  'model.teacher.frames': 'each',
  device: { providers: ['cuda', 'cpu'], threads: 2, workers: 3 },
  'frames.timeout_s': 5,
  'frames.concurrency': 2,
  'frames.method': 'seek',
  'frames.seek_min_clip_s': 3,
  'frames.ffmpeg_path': '/bin/ffmpeg',
  'frames.ffprobe_path': '/bin/ffprobe',
  'caption.beams': 2,
  'caption.frames_only': false,
  'caption.samples': 2,
  'caption.temperature': 0.7,
  'caption.model_batch': 8,
  'adatailr.policy': { kind: 'threshold', min_weight: 0.3 },
  'adatailr.choice': { margin: 2 },
  'adatailr.drop_implausible': false,
  'adatailr.gamma': 0.5,
  'adatailr.w_min': 0.1,
  'adatailr.scorer': 'bootstrap',
  'train.loss': { kind: 'mle' },
  ...phase('train.pretrain'),
  ...phase('train.finetune'),
  'train.warm_start': false,
  'train.text_dropout': 0.2,
  'train.frame_shift': 2,
  'judge.epochs': 5,
  'judge.max_steps': 50,
  'judge.batch_size': 8,
  'judge.lr': 0.01,
  'judge.d_model': 32,
  'judge.hard_negatives': true,
  'judge.ensemble': 3,
  'judge.video_layers': 1,
  'judge.patch': 16,
  'judge.init': 'judges/j0',
  'eval.max_clips': 50,
  'eval.downstream.seeds': 2,
  'eval.downstream.steps': 10,
  'eval.downstream.batch': 8,
};

const cases = [
  { name: 'run config', schema: configSchema, changes: runChanges, extra: {} },
  // an optional sub-object (the teacher) and the init model are present in the base, so each field
  // (init_captions needs init) can change alone
  {
    name: 'refine config',
    schema: refineConfigSchema,
    changes: refineChanges,
    extra: { model: { teacher: { dir: 't' }, init: 'models/v0' } },
  },
];

describe.each(cases)('the $name marks', ({ schema, changes, extra }) => {
  // the fully defaulted config, re-fed as input, so a change to one nested field keeps the rest valid
  const base = schema.parse({ run_dir: 'runs/a', manifest: 'clips.parquet', media_root: 'data', ...extra });
  const hashOf = (input: unknown): string => hashValue(hashedPart(schema, schema.parse(input)));

  it('mark every field, and the test table changes every marked field', () => {
    expect(Object.keys(changes).sort()).toEqual(
      markedFields(schema)
        .map((f) => f.field)
        .sort(),
    );
  });

  it.each(markedFields(schema).map((f) => [f.field, f.hashed] as const))(
    '%s: hashed=%s, and changing it changes the hash exactly when hashed',
    (field, isHashed) => {
      const changed = hashOf(withField(base, field, changes[field]));
      expect(changed !== hashOf(base)).toBe(isHashed);
    },
  );
});

describe('marks', () => {
  it('refuse a schema with an unmarked field, naming it', () => {
    const schema = z.object({ a: hashed(z.number()), nested: z.object({ b: unhashed(z.string()), c: z.number() }) });
    expect(() => markedFields(schema)).toThrow(/config field nested\.c is neither marked/);
    expect(() => hashedPart(schema, { a: 1, nested: { b: 'x', c: 2 } })).toThrow(/nested\.c/);
  });

  it('refuse to mark one schema instance twice (two fields would share one mark)', () => {
    const shared = hashed(z.number());
    expect(() => unhashed(shared)).toThrow(/already marked/);
  });

  it('project only the hashed fields, dropping absent ones, through defaults and optional wrappers', () => {
    const schema = z.object({
      a: hashed(z.number()).default(1),
      b: unhashed(z.number().optional()),
      sub: z.object({ c: hashed(z.string().optional()), d: unhashed(z.boolean()) }).prefault({ d: true }),
    });
    expect(hashedPart(schema, schema.parse({ b: 2 }))).toEqual({ a: 1, sub: {} });
    expect(hashedPart(schema, schema.parse({ sub: { c: 'x', d: false } }))).toEqual({ a: 1, sub: { c: 'x' } });
  });
});
