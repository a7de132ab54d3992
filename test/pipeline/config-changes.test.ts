/** A refused resume's list of changed fields: nested paths, old and new values, unset sides, skipped fields. */
import { describe, expect, it } from 'vitest';
import { configChanges, listChanges } from '../../pipeline/config-changes.js';

describe('configChanges', () => {
  it('names each changed field with its old and new value, as JSON stores them', () => {
    const before = { seed: 1, rounds: 2, train: { epochs: 8, lr: 0.002 }, judge: { init: 'a' }, tags: ['x'] };
    const after = {
      seed: 9,
      rounds: 3,
      train: { epochs: 8, lr: 0.001 },
      judge: {},
      extra: undefined,
      tags: ['x', 'y'],
    };
    expect(configChanges(before, after)).toEqual([
      'seed 1 → 9',
      'rounds 2 → 3',
      'train.lr 0.002 → 0.001',
      'judge.init "a" → (unset)',
      'tags.1 (unset) → "y"',
    ]);
    expect(configChanges(before, after, (p) => p[0] === 'rounds')).not.toContain('rounds 2 → 3');
    expect(configChanges(before, before)).toEqual([]);
    expect(configChanges(undefined, { a: 1 })).toEqual(['a (unset) → 1']);
  });

  it('lists at most a few, saying how many more', () => {
    const many = Array.from({ length: 10 }, (_, i) => `f${i} 0 → 1`);
    expect(listChanges(many, 3)).toBe('f0 0 → 1; f1 0 → 1; f2 0 → 1; and 7 more');
    expect(listChanges(many.slice(0, 2))).toBe('f0 0 → 1; f1 0 → 1');
  });
});
