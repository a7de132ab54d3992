import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { collectSetting, fractionsOption, intOption } from '../../cli/options.js';

describe('intOption', () => {
  it('parses integers at or above the bound', () => {
    expect(intOption('rows', 0)('0')).toBe(0);
    expect(intOption('seeds')('3')).toBe(3);
    expect(intOption('seed', null)('-2')).toBe(-2);
    expect(intOption('poll-ms', 10)('10')).toBe(10);
  });
  it.each([
    ['rows', 0, '-1', '--rows must be a non-negative integer (got "-1")'],
    ['seeds', 1, '0', '--seeds must be a positive integer (got "0")'],
    ['poll-ms', 10, '9', '--poll-ms must be an integer ≥ 10 (got "9")'],
    ['seed', null, '1.5', '--seed must be an integer (got "1.5")'],
    ['round', 0, 'two', '--round must be a non-negative integer (got "two")'],
  ] as const)('--%s (min %s) refuses %j, naming the flag', (name, min, value, message) => {
    const parse = intOption(name, min);
    expect(() => parse(value)).toThrow(InvalidArgumentError);
    expect(() => parse(value)).toThrow(message);
  });
});

describe('fractionsOption', () => {
  it('parses comma-separated fractions in [0, 1) and refuses others', () => {
    expect(fractionsOption('noise')('0, 0.2,0.4')).toEqual([0, 0.2, 0.4]);
    expect(() => fractionsOption('noise')('0.2,1')).toThrow(/--noise must be comma-separated fractions/);
  });
});

describe('collectSetting', () => {
  it('builds nested overrides from dotted keys, values read as JSON or kept as strings', () => {
    let s = collectSetting('folds=4', {});
    s = collectSetting('judge.epochs=80', s);
    s = collectSetting('judge.lr=0.001', s);
    s = collectSetting('model.preset=small', s);
    expect(s).toEqual({ folds: 4, judge: { epochs: 80, lr: 0.001 }, model: { preset: 'small' } });
  });
  it('does not change the settings it was given', () => {
    const first = collectSetting('judge.epochs=80', {});
    collectSetting('judge.lr=0.5', first);
    expect(first).toEqual({ judge: { epochs: 80 } });
  });
  it.each(['folds', '=4', 'a..b=1', 'judge.2x=1', '__proto__.polluted=1', 'judge.constructor=1'])(
    'rejects %j with the expected form',
    (v) => {
      expect(() => collectSetting(v, {})).toThrow(InvalidArgumentError);
      expect(() => collectSetting(v, {})).toThrow(/--set must be key=value/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});
