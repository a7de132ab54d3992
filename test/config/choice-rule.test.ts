/** The choice rule's options: the documented defaults, a strict schema, and the ranges it checks. */
import { describe, expect, it } from 'vitest';
import { choiceRuleSchema, tickChoiceRule } from '../../config/choice-rule.js';
import { parseRefineConfig, tickRefineConfig } from '../../config/refine.js';
import { choose } from '../../stages/adatailr/choose.js';

describe('choiceRuleSchema', () => {
  it('fills the documented defaults', () => {
    expect(choiceRuleSchema.parse({})).toEqual({ margin: 8, min_evidence: 0, model_min_evidence: 9, contrast: 15 });
    expect(choiceRuleSchema.parse({ margin: 0, min_evidence: -2.5, model_min_evidence: -3.5, contrast: 64 })).toEqual({
      margin: 0,
      min_evidence: -2.5,
      model_min_evidence: -3.5,
      contrast: 64,
    });
    expect(choiceRuleSchema.parse({ contrast: 1 })).toEqual({
      margin: 8,
      min_evidence: 0,
      model_min_evidence: 9,
      contrast: 1,
    });
    expect(choiceRuleSchema.parse({ model_min_evidence: 0 })).toEqual({
      margin: 8,
      min_evidence: 0,
      model_min_evidence: 0,
      contrast: 15,
    });
  });

  it('is strict (the old rule keys are rejected) and checks ranges', () => {
    expect(choiceRuleSchema.safeParse({ coverage: 0.6 }).success).toBe(false);
    expect(choiceRuleSchema.safeParse({ contradiction: 2 }).success).toBe(false);
    expect(choiceRuleSchema.safeParse({ margin: 1, extra: true }).success).toBe(false);
    expect(choiceRuleSchema.safeParse({ margin: -0.1 }).success).toBe(false);
    expect(choiceRuleSchema.safeParse({ margin: '1' }).success).toBe(false);
    expect(choiceRuleSchema.safeParse({ min_evidence: Number.NaN }).success).toBe(false);
    expect(choiceRuleSchema.safeParse({ model_min_evidence: Number.NaN }).success).toBe(false);
    expect(choiceRuleSchema.safeParse({ model_min_evidence: '9' }).success).toBe(false);
    expect(choiceRuleSchema.safeParse({ contrast: 0 }).success).toBe(false);
    expect(choiceRuleSchema.safeParse({ contrast: 65 }).success).toBe(false);
    expect(choiceRuleSchema.safeParse({ contrast: 1.5 }).success).toBe(false);
    expect(choiceRuleSchema.safeParse({ people_margin: -1 }).success).toBe(false);
    expect(choiceRuleSchema.parse({}).people_margin).toBeUndefined();
    expect(choiceRuleSchema.safeParse({ clip_side: -0.1 }).success).toBe(false);
    expect(choiceRuleSchema.safeParse({ clip_side: 1.1 }).success).toBe(false);
    expect(choiceRuleSchema.parse({ clip_side: 1 }).clip_side).toBe(1);
    expect(choiceRuleSchema.parse({}).clip_side).toBeUndefined();
  });
});

describe('a tick’s choice rule', () => {
  it('is the job’s, with tick_title_margin as the title margin where set, and decides a title it would have kept otherwise', () => {
    const job = choiceRuleSchema.parse({ margin: 6, tick_title_margin: 2 });
    const tick = tickChoiceRule(job);
    expect(tick).toEqual({ ...job, title_margin: 2 });
    expect(tickChoiceRule(choiceRuleSchema.parse({ margin: 6 }))).toEqual(choiceRuleSchema.parse({ margin: 6 }));
    // a title 4 nats below a model caption: within the job's margin, beyond the tick's
    const sources = ['title', 'synthetic'];
    expect(choose(sources, [10, 14], job).index).toBe(0);
    expect(choose(sources, [10, 14], tick).index).toBe(1);
    // and the config a tick runs its round steps under carries it; a refine round's does not
    const config = parseRefineConfig({
      run_dir: 'j',
      manifest: 'm.parquet',
      media_root: 'd',
      adatailr: { choice: { margin: 6, tick_title_margin: 2 } },
    });
    expect(tickRefineConfig(config).adatailr.choice.title_margin).toBe(2);
    expect(config.adatailr.choice.title_margin).toBeUndefined();
    expect(choiceRuleSchema.safeParse({ tick_title_margin: -1 }).success).toBe(false);
  });
});
