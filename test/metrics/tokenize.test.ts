import { describe, expect, it } from 'vitest';
import { ngramCounts, ngramOrder, tokenize } from '../../metrics/index.js';

describe('tokenize (PTB-like)', () => {
  it('lower-cases, splits clitics and drops punctuation tokens', () => {
    expect(tokenize(`A Red-Circle, doesn't MOVE! "quoted" -- it's 3.5 ... ok.`)).toEqual([
      'a',
      'red-circle',
      'does',
      "n't",
      'move',
      'quoted',
      'it',
      "'s",
      '3.5',
      'ok',
    ]);
  });
  it('is idempotent on already tokenized text and handles empty input', () => {
    const t = tokenize('a small red circle moves left');
    expect(tokenize(t.join(' '))).toEqual(t);
    expect(tokenize('')).toEqual([]);
    expect(tokenize(' , . ! ')).toEqual([]);
  });
});

describe('ngramCounts', () => {
  it('counts every order up to n', () => {
    const c = ngramCounts(['a', 'b', 'a', 'b'], 3);
    expect(c.get('a')).toBe(2);
    expect(c.get('a b')).toBe(2);
    expect(c.get('b a')).toBe(1);
    expect(c.get('a b a')).toBe(1);
    expect(c.has('a b a b')).toBe(false);
    expect(ngramOrder('a b a')).toBe(3);
  });
});
