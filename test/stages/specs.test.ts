/**
 * Stage specs as they travel between machines: an adatailr spec's judges split evenly over its
 * folds (an ensemble has the same number per fold), and an uneven list is refused naming the field.
 */
import { describe, expect, it } from 'vitest';
import { choiceRuleSchema } from '../../config/choice-rule.js';
import { parseStageSpecs } from '../../stages/specs.js';

const ref = (dir: string) => ({ dir, content_hash: `hash-${dir}` });
const adatailr = (judges: number, folds: number) => ({
  kind: 'adatailr',
  round: 1,
  scorers: [ref('m0'), ref('m1')],
  judges: Array.from({ length: judges }, (_, i) => ref(`j${i}`)),
  folds,
  gamma: 'adaptive',
  vocab_size: 64,
  w_min: 0,
  policy: { kind: 'keep-all' },
  choice: choiceRuleSchema.parse({}),
  drop_implausible: true,
  model_batch: 8,
  device: { providers: ['cpu'], threads: 0 },
});

describe('adatailr stage spec', () => {
  it('takes one judge per fold, or an ensemble of the same size per fold', () => {
    expect(parseStageSpecs([adatailr(2, 2)], 'test')[0]).toMatchObject({ folds: 2 });
    expect(parseStageSpecs([adatailr(6, 2)], 'test')[0]).toMatchObject({ folds: 2 });
  });

  it('refuses judges that do not split evenly over the folds', () => {
    expect(() => parseStageSpecs([adatailr(3, 2)], 'queue job 7')).toThrow(
      /queue job 7: invalid stage specs: 0.judges: 3 judges cannot be split evenly over 2 folds/,
    );
  });
});
