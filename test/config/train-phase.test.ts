/**
 * A training phase given in part takes its own phase's defaults for the rest: `{ "epochs": 2 }` is a
 * whole pre-training or fine-tuning phase, and writing a default out changes neither the parsed
 * config nor its hash (a job started either way resumes with the other).
 */
import { describe, expect, it } from 'vitest';
import { hashedPart } from '../../config/marks.js';
import { parseRefineConfig, refineConfigSchema } from '../../config/refine.js';
import { hashValue } from '../../pipeline/hash.js';

const base = { run_dir: 'runs/x', manifest: 'clips.parquet', media_root: 'data' };
const hashOf = (input: unknown): string => hashValue(hashedPart(refineConfigSchema, parseRefineConfig(input)));

describe('refine config: a training phase', () => {
  it('left out, trains with its phase defaults', () => {
    const c = parseRefineConfig(base);
    expect(c.train.pretrain).toEqual({ epochs: 8, batch_size: 32, lr: 3e-3, warmup_steps: 20, weight_decay: 0.01 });
    expect(c.train.finetune).toEqual({ epochs: 4, batch_size: 32, lr: 1e-3, warmup_steps: 0, weight_decay: 0.01 });
  });

  it('given in part, takes its own phase defaults for the rest', () => {
    const c = parseRefineConfig({ ...base, train: { pretrain: { epochs: 2 }, finetune: { batch_size: 8 } } });
    expect(c.train.pretrain).toEqual({ epochs: 2, batch_size: 32, lr: 3e-3, warmup_steps: 20, weight_decay: 0.01 });
    expect(c.train.finetune).toEqual({ epochs: 4, batch_size: 8, lr: 1e-3, warmup_steps: 0, weight_decay: 0.01 });
  });

  it('hashes the same whether a default is written out or left to the schema', () => {
    const written = {
      ...base,
      train: {
        pretrain: { epochs: 8, lr: 3e-3, warmup_steps: 20 },
        finetune: { epochs: 4, lr: 1e-3, warmup_steps: 0 },
      },
    };
    expect(hashOf(written)).toBe(hashOf(base));
    expect(hashOf({ ...base, train: { finetune: { lr: 2e-3 } } })).not.toBe(hashOf(base));
  });

  it('still refuses a bad value, naming the field', () => {
    expect(() => parseRefineConfig({ ...base, train: { finetune: { lr: 0 } } })).toThrow(/train\.finetune\.lr/);
  });
});
