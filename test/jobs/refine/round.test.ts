/**
 * Where a round's captioner training starts (`train.warm_start`), the one rule refine's rounds and
 * schedule's retraining share.
 */
import { describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../../config/refine.js';
import { warmStartDir } from '../../../jobs/refine/round.js';

const base = { run_dir: 'j', manifest: 'm.parquet', media_root: 'd', model: { init: 'models/v0' } };

describe('warmStartDir', () => {
  it('starts from the previous model by default, from model.init with "init", from fresh weights with false', () => {
    expect(warmStartDir(parseRefineConfig(base), 'models/round-1')).toBe('models/round-1');
    expect(warmStartDir(parseRefineConfig({ ...base, train: { warm_start: 'init' } }), 'models/round-1')).toBe(
      'models/v0',
    );
    expect(warmStartDir(parseRefineConfig({ ...base, train: { warm_start: false } }), 'models/round-1')).toBe(
      undefined,
    );
  });

  it('with no previous model and the default, fresh weights', () => {
    expect(warmStartDir(parseRefineConfig(base), undefined)).toBeUndefined();
  });
});
