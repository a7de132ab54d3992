/**
 * Captions against reference captions: what the truth's scoring and a job's held-out human captions
 * share. The same references give the same scores either way, and a clip with references but no
 * caption is refused.
 */
import { describe, expect, it } from 'vitest';
import { scoreAgainstReferences } from '../../metrics/reference-quality.js';
import { scoreAgainstTruth } from '../../metrics/truth-quality.js';
import type { TruthRow } from '../../schemas/truth.js';

const refs = new Map([
  ['a', ['a red square moves left']],
  ['b', ['a green circle moves right', 'a green ball rolls to the right']],
  ['c', ['a blue triangle grows']],
]);

describe('scoreAgainstReferences', () => {
  it('scores the captions of the clips that have references, and no others', () => {
    const right = new Map([
      ['a', 'a red square moves left'],
      ['b', 'a green circle moves right'],
      ['c', 'a blue triangle grows'],
      ['z', 'a clip without references is not scored'],
    ]);
    const wrong = new Map([...right].map(([id]) => [id, 'a white star spins slowly'] as const));
    const good = scoreAgainstReferences(right, refs);
    const bad = scoreAgainstReferences(wrong, refs);
    expect(good.n).toBe(3);
    expect(good.bleu4).toBeGreaterThan(0.5);
    expect(good.ciderD).toBeGreaterThan(bad.ciderD);
    expect(bad.bleu4).toBeLessThan(0.01);
  });

  it('gives the truth scoring its numbers: one reference a clip, the true caption', () => {
    const truth = [...refs].map(([clip_id, r]): TruthRow => ({
      clip_id,
      split: 'heldout',
      gt_caption: r[0],
      attrs_json: '{}',
      corrupted: false,
      noise_kinds: [],
      title_corrupted: false,
    }));
    const captions = new Map([
      ['a', 'a red square moves right'],
      ['b', 'a green circle'],
      ['c', 'a blue triangle grows big'],
    ]);
    const first = new Map([...refs].map(([id, r]) => [id, [r[0]]]));
    expect(scoreAgainstTruth(captions, truth)).toEqual(scoreAgainstReferences(captions, first));
  });

  it('refuses a clip that has references and no caption, naming it', () => {
    expect(() => scoreAgainstReferences(new Map([['a', 'x']]), refs)).toThrow(
      /2 clips have no candidate caption \(first: b\)/,
    );
  });
});
