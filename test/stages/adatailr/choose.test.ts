/**
 * The pure choice rule. `evidence` is the own logit minus the log-mean-exp of the contrast logits
 * (checked against hand-computed numbers, including that it averages probabilities, not logs, and
 * stays finite for large logits). `choose`: a human caption wins whatever the scores; −1 without
 * candidates. Only plausible candidates compete: people's text (`PEOPLE_SOURCES`: asr, title,
 * title-lead, human) needs `min_evidence`, any other source (synthetic, synthetic-frames, previous, teacher, a source
 * outside `PREFERENCE`) needs `model_min_evidence` (boundaries inclusive); −1 naming the top
 * candidate (as runner-up and in the reason, with both thresholds) when none is plausible.
 * Otherwise candidates are tried in `PREFERENCE` order (asr, title, title-lead, previous, teacher, synthetic,
 * synthetic-frames, synthetic-sampled) and the first plausible one within `margin` of the best plausible candidate
 * wins (boundary inclusive), its reason naming the preferred candidates passed over; so a model
 * caption below `model_min_evidence` cannot win even as the best, and a transcript below
 * `min_evidence` is not kept even within the margin. A source outside `PREFERENCE` can only win as
 * the best. margin = chosen − best other and runnerUp = best other (ties: the earlier), both over
 * all candidates, plausible or not. The schema fills its documented defaults `{ margin: 8,
 * min_evidence: 0, model_min_evidence: 9, contrast: 15 }`, checks ranges, and rejects unknown keys
 * (the old rule's). The hand-made ordering and margin cases use a 5-nat margin and
 * `model_min_evidence: 0` (every non-negative candidate plausible); the thresholds are tested apart
 * with the defaults. All numbers are exact in binary. The title's lead part never competes: it
 * takes the place of a whole title that won, while plausible and within `title_lead_margin` (absent
 * = 3) of it, its margin and runner-up against the other candidates.
 */
import { describe, expect, it } from 'vitest';
import { choiceRuleSchema } from '../../../config/choice-rule.js';
import { choose, evidence, PEOPLE_SOURCES, PREFERENCE } from '../../../stages/adatailr/choose.js';

// the ordering and margin cases below are built for a 5-nat margin with every non-negative candidate plausible (the thresholds and defaults are tested apart)
const rule = choiceRuleSchema.parse({ margin: 5, model_min_evidence: 0 });
const defaults = choiceRuleSchema.parse({});
const L = Math.log;

describe('evidence', () => {
  it('is the own logit minus the log of the mean of exp(contrast logits)', () => {
    // mean(exp 0, exp ln 3) = (1 + 3)/2 = 2
    expect(evidence(2, [0, L(3)])).toBeCloseTo(2 - L(2), 12);
    // one contrast clip: a plain difference
    expect(evidence(1, [L(2)])).toBeCloseTo(1 - L(2), 12);
    // exp: 1, 2, 3, 6 → mean 3
    expect(evidence(L(6), [0, L(2), L(3), L(6)])).toBeCloseTo(L(2), 12);
    // the mean of the exps, not of the logits: mean of logits would give −ln(3)/2
    expect(evidence(0, [0, L(3)])).toBeCloseTo(-L(2), 12);
    expect(evidence(0, [0, L(3)])).not.toBeCloseTo(-L(3) / 2, 3);
    // equal logits everywhere: no evidence
    expect(evidence(4.5, [4.5, 4.5, 4.5])).toBeCloseTo(0, 12);
  });

  it('is finite and exact for large logits (log-sum-exp shifted by the max)', () => {
    expect(evidence(1000, [1000, 1000])).toBeCloseTo(0, 9);
    expect(evidence(1001, [1000])).toBeCloseTo(1, 9);
    // mean(e^-1001, e^-999) = e^-1000·cosh(1)
    expect(evidence(-1000, [-1001, -999])).toBeCloseTo(-Math.log(Math.cosh(1)), 9);
    expect(evidence(800, [-800, 800])).toBeCloseTo(L(2), 9);
  });

  it('is 0 without contrast clips', () => {
    expect(evidence(3, [])).toBe(0);
    expect(evidence(-3, [])).toBe(0);
  });
});

describe('PREFERENCE and PEOPLE_SOURCES', () => {
  it("is own text first (transcript, title, title's lead part), then last round, then a pretrained teacher's, then this round's model captions", () => {
    expect(PREFERENCE.join(' ')).toBe(
      'asr title title-lead previous teacher synthetic synthetic-frames synthetic-sampled',
    );
  });

  it("people's text is the transcript, the title (either part) and a human caption; everything else is a model's", () => {
    expect(PEOPLE_SOURCES).toEqual(new Set(['asr', 'title', 'title-lead', 'human']));
    for (const s of ['previous', 'synthetic', 'synthetic-frames', 'synthetic-sampled'])
      expect(PEOPLE_SOURCES.has(s), s).toBe(false);
  });
});

describe('choose', () => {
  it('a human caption always wins, even over far better or no plausible candidates', () => {
    expect(choose(['asr', 'synthetic', 'human'], [9, 20, -5], rule)).toEqual({
      index: 2,
      margin: 0,
      runnerUp: -1,
      reason: 'human caption',
    });
    expect(choose(['human', 'title'], [-50, -40], choiceRuleSchema.parse({ min_evidence: 10 }))).toEqual({
      index: 0,
      margin: 0,
      runnerUp: -1,
      reason: 'human caption',
    });
    expect(choose(['human', 'synthetic'], [-50, 5], defaults)).toEqual({
      index: 0,
      margin: 0,
      runnerUp: -1,
      reason: 'human caption',
    });
    expect(choose(['human'], [0], rule)).toEqual({ index: 0, margin: 0, runnerUp: -1, reason: 'human caption' });
  });

  it('no candidates: −1', () => {
    expect(choose([], [], rule)).toEqual({ index: -1, margin: 0, runnerUp: -1, reason: 'no candidate' });
    expect(choose([], [], defaults)).toEqual({ index: -1, margin: 0, runnerUp: -1, reason: 'no candidate' });
  });

  it('returns −1 with the top candidate as runner-up and named in the reason, with both thresholds, when none is plausible', () => {
    expect(choose(['asr', 'title', 'synthetic'], [-2, -0.5, -1], rule)).toEqual({
      index: -1,
      margin: 0,
      runnerUp: 1,
      reason: "no plausible candidate: best title has evidence -0.50 (people's text needs 0, a model's caption 0)",
    });
    const strict = choiceRuleSchema.parse({ min_evidence: 5, model_min_evidence: 5 });
    expect(choose(['asr', 'synthetic'], [3, 4.5], strict)).toEqual({
      index: -1,
      margin: 0,
      runnerUp: 1,
      reason: "no plausible candidate: best synthetic has evidence 4.50 (people's text needs 5, a model's caption 5)",
    });
    // exactly the threshold is plausible, for people's text and for a model's caption
    expect(choose(['asr', 'synthetic'], [5, 3], strict)).toEqual({
      index: 0,
      margin: 2,
      runnerUp: 1,
      reason: 'asr kept: evidence 5.00 within 8 of the best 5.00',
    });
    expect(choose(['asr', 'synthetic'], [3, 5], strict)).toEqual({
      index: 1,
      margin: 2,
      runnerUp: 0,
      reason: 'asr implausible or more than 8 below the best; synthetic kept: evidence 5.00 within 8 of the best 5.00',
    });
    expect(choose(['title'], [0], rule).index).toBe(0);
    expect(choose(['synthetic'], [0], rule).index).toBe(0);
    // a negative min_evidence admits negative evidence
    expect(choose(['title'], [-0.5], choiceRuleSchema.parse({ min_evidence: -1 })).index).toBe(0);
    expect(choose(['title'], [-1.5], choiceRuleSchema.parse({ min_evidence: -1 })).index).toBe(-1);
  });

  it('keeps the transcript while it is within margin of the best (boundary inclusive)', () => {
    // best 7.5, asr 2.5 = 7.5 − 5: exactly at the margin, kept
    expect(choose(['title', 'asr', 'synthetic'], [1, 2.5, 7.5], rule)).toEqual({
      index: 1,
      margin: -5,
      runnerUp: 2,
      reason: 'asr kept: evidence 2.50 within 5 of the best 7.50',
    });
    // just beyond: asr passed over; title is not within the margin either; the synthetic wins
    expect(choose(['title', 'asr', 'synthetic'], [1, 2.25, 7.5], rule)).toEqual({
      index: 2,
      margin: 5.25,
      runnerUp: 1,
      reason:
        'asr, title implausible or more than 5 below the best; synthetic kept: evidence 7.50 within 5 of the best 7.50',
    });
  });

  it('a transcript that is itself the best is kept with a positive margin over the runner-up', () => {
    expect(choose(['synthetic', 'asr', 'title'], [2, 5, 3], rule)).toEqual({
      index: 1,
      margin: 2,
      runnerUp: 2,
      reason: 'asr kept: evidence 5.00 within 5 of the best 5.00',
    });
  });

  it('keeps a title over a better synthetic within the margin', () => {
    // title 3.5 ≥ 8 − 5: kept although the synthetic has 4.5 nats more; asr absent, nothing passed over
    expect(choose(['synthetic', 'title'], [8, 3.5], rule)).toEqual({
      index: 1,
      margin: -4.5,
      runnerUp: 0,
      reason: 'title kept: evidence 3.50 within 5 of the best 8.00',
    });
    // the transcript is tried first and passed over; the title is then kept over the better synthetic
    expect(choose(['asr', 'title', 'synthetic'], [0.5, 4, 8], rule)).toEqual({
      index: 1,
      margin: -4,
      runnerUp: 2,
      reason: 'asr implausible or more than 5 below the best; title kept: evidence 4.00 within 5 of the best 8.00',
    });
  });

  it('a synthetic that beats every own-text candidate by more than the margin wins', () => {
    const c = choose(['asr', 'title', 'previous', 'synthetic', 'synthetic-frames'], [1, 2, 0.5, 9, 3.5], rule);
    expect(c).toEqual({
      index: 3,
      margin: 5.5,
      runnerUp: 4,
      reason:
        'asr, title, previous implausible or more than 5 below the best; synthetic kept: evidence 9.00 within 5 of the best 9.00',
    });
  });

  it('follows the whole preference order: previous before synthetic before synthetic-frames', () => {
    // previous within the margin of a better synthetic-frames: previous kept
    expect(choose(['synthetic-frames', 'previous', 'synthetic'], [10, 5, 6], rule)).toEqual({
      index: 1,
      margin: -5,
      runnerUp: 0,
      reason: 'previous kept: evidence 5.00 within 5 of the best 10.00',
    });
    // previous too far: the synthetic, within the margin, is kept over the better synthetic-frames
    expect(choose(['synthetic-frames', 'previous', 'synthetic'], [10, 4.75, 6], rule)).toEqual({
      index: 2,
      margin: -4,
      runnerUp: 0,
      reason:
        'previous implausible or more than 5 below the best; synthetic kept: evidence 6.00 within 5 of the best 10.00',
    });
    // every earlier one too far: synthetic-frames, the best, wins
    expect(choose(['asr', 'synthetic', 'synthetic-frames'], [1, 4.75, 10], rule)).toEqual({
      index: 2,
      margin: 5.25,
      runnerUp: 1,
      reason:
        'asr, synthetic implausible or more than 5 below the best; synthetic-frames kept: evidence 10.00 within 5 of the best 10.00',
    });
    // preference, not position in the candidate list, decides
    expect(choose(['synthetic', 'previous', 'title', 'asr'], [4, 4, 4, 4], rule)).toMatchObject({
      index: 3,
      margin: 0,
      runnerUp: 0,
      reason: 'asr kept: evidence 4.00 within 5 of the best 4.00',
    });
  });

  it('the margin is configurable; margin 0 keeps a preferred candidate only when it ties the best', () => {
    expect(
      choose(['asr', 'synthetic'], [2.25, 7.5], choiceRuleSchema.parse({ margin: 5.25, model_min_evidence: 0 })).index,
    ).toBe(0);
    expect(
      choose(['asr', 'synthetic'], [5, 7.5], choiceRuleSchema.parse({ margin: 2, model_min_evidence: 0 })).index,
    ).toBe(1);
    const zero = choiceRuleSchema.parse({ margin: 0, model_min_evidence: 0 });
    expect(choose(['asr', 'synthetic'], [3.25, 3.5], zero)).toEqual({
      index: 1,
      margin: 0.25,
      runnerUp: 0,
      reason: 'asr implausible or more than 0 below the best; synthetic kept: evidence 3.50 within 0 of the best 3.50',
    });
    expect(choose(['asr', 'synthetic'], [3.5, 3.5], zero)).toEqual({
      index: 0,
      margin: 0,
      runnerUp: 1,
      reason: 'asr kept: evidence 3.50 within 0 of the best 3.50',
    });
  });

  it('otherwise the best wins: a source outside the preference order wins only as the best, ties to the earlier', () => {
    // 'ocr' is not in PREFERENCE: never tried, but chosen when it is the best and no preferred one is within the margin
    expect(choose(['asr', 'ocr'], [1, 8], rule)).toEqual({
      index: 1,
      margin: 7,
      runnerUp: 0,
      reason: 'ocr has the most evidence (8.00)',
    });
    expect(choose(['asr', 'ocr'], [3, 8], rule)).toMatchObject({ index: 0, margin: -5, runnerUp: 1 });
    expect(choose(['ocr'], [2], rule)).toEqual({
      index: 0,
      margin: 0,
      runnerUp: -1,
      reason: 'ocr has the most evidence (2.00)',
    });
    expect(choose(['ocr', 'misc'], [8, 8], rule)).toEqual({
      index: 0,
      margin: 0,
      runnerUp: 1,
      reason: 'ocr has the most evidence (8.00)',
    });
  });

  it('runner-up is the best other candidate (ties: the earlier); a single candidate has margin 0 and no runner-up', () => {
    expect(choose(['title', 'previous', 'synthetic'], [1, 4, 3], rule)).toEqual({
      index: 0,
      margin: -3,
      runnerUp: 1,
      reason: 'title kept: evidence 1.00 within 5 of the best 4.00',
    });
    expect(choose(['title', 'synthetic', 'previous'], [1, 2, 2], rule)).toMatchObject({
      index: 0,
      runnerUp: 1,
      margin: -1,
    });
    expect(choose(['synthetic', 'synthetic-frames', 'asr'], [2, 2, 2], rule)).toMatchObject({
      index: 2,
      runnerUp: 0,
      margin: 0,
    });
    expect(choose(['title'], [2], rule)).toEqual({
      index: 0,
      margin: 0,
      runnerUp: -1,
      reason: 'title kept: evidence 2.00 within 5 of the best 2.00',
    });
    expect(choose(['synthetic'], [2], rule)).toMatchObject({ index: 0, margin: 0, runnerUp: -1 });
  });

  it('refuses misaligned sources and scores', () => {
    expect(() => choose(['asr', 'title'], [1], rule)).toThrow(RangeError);
    expect(() => choose([], [1], rule)).toThrow(/0 sources for 1 scores/);
  });
});

describe('choose: plausibility (the default rule: margin 8, min_evidence 0, model_min_evidence 9)', () => {
  it('a synthetic below model_min_evidence cannot win even as the best: the transcript wins', () => {
    // the synthetic beats the transcript by 8.25 > margin but is not confirmed (8.75 < 9): it does not compete
    expect(choose(['asr', 'synthetic'], [0.5, 8.75], defaults)).toEqual({
      index: 0,
      margin: -8.25,
      runnerUp: 1,
      reason: 'asr kept: evidence 0.50 within 8 of the best 0.50',
    });
    // the same with every model caption source, and with the title
    expect(choose(['title', 'synthetic-frames', 'synthetic'], [0, 8.5, 8.75], defaults)).toEqual({
      index: 0,
      margin: -8.75,
      runnerUp: 2,
      reason: 'title kept: evidence 0.00 within 8 of the best 0.00',
    });
    // with the model_min_evidence 0 of the cases above, the same synthetic wins
    expect(choose(['asr', 'synthetic'], [0.5, 8.75], choiceRuleSchema.parse({ model_min_evidence: 0 })).index).toBe(1);
  });

  it('the best is the best plausible candidate: the margin is measured from it, margin and runner-up from the best overall', () => {
    // plausible best: title 1; asr 0.25 is more than 0.5 below it; the implausible synthetic 8.5 is the runner-up
    expect(choose(['asr', 'title', 'synthetic'], [0.25, 1, 8.5], choiceRuleSchema.parse({ margin: 0.5 }))).toEqual({
      index: 1,
      margin: -7.5,
      runnerUp: 2,
      reason: 'asr implausible or more than 0.5 below the best; title kept: evidence 1.00 within 0.5 of the best 1.00',
    });
  });

  it('−1 when the transcript is implausible too, naming the top candidate and both thresholds', () => {
    expect(choose(['asr', 'synthetic'], [-0.5, 8.75], defaults)).toEqual({
      index: -1,
      margin: 0,
      runnerUp: 1,
      reason: "no plausible candidate: best synthetic has evidence 8.75 (people's text needs 0, a model's caption 9)",
    });
    expect(
      choose(
        ['synthetic', 'asr', 'title'],
        [2, -0.25, -3],
        choiceRuleSchema.parse({ min_evidence: -0.5, model_min_evidence: 12.5 }),
      ),
    ).toMatchObject({ index: 1, runnerUp: 0 });
    expect(
      choose(
        ['synthetic', 'asr', 'title'],
        [2, -0.75, -3],
        choiceRuleSchema.parse({ min_evidence: -0.5, model_min_evidence: 12.5 }),
      ),
    ).toEqual({
      index: -1,
      margin: 0,
      runnerUp: 0,
      reason:
        "no plausible candidate: best synthetic has evidence 2.00 (people's text needs -0.5, a model's caption 12.5)",
    });
  });

  it('a transcript below min_evidence is not kept even within the margin of a plausible synthetic: the synthetic wins', () => {
    // asr −0.5 ≥ 9 − 8 is within the margin, but implausible; the synthetic, exactly at model_min_evidence, is plausible
    expect(choose(['asr', 'synthetic'], [-0.5, 9], defaults)).toEqual({
      index: 1,
      margin: 9.5,
      runnerUp: 0,
      reason: 'asr implausible or more than 8 below the best; synthetic kept: evidence 9.00 within 8 of the best 9.00',
    });
    expect(choose(['asr', 'title', 'synthetic'], [-2, 1.5, 9], defaults)).toEqual({
      index: 1,
      margin: -7.5,
      runnerUp: 2,
      reason: 'asr implausible or more than 8 below the best; title kept: evidence 1.50 within 8 of the best 9.00',
    });
    // with the 5-nat hand-made rule: best 1, transcript −2 ≥ 1 − 5 is within the margin but below min_evidence 0
    expect(choose(['asr', 'synthetic'], [-2, 1], rule)).toEqual({
      index: 1,
      margin: 3,
      runnerUp: 0,
      reason: 'asr implausible or more than 5 below the best; synthetic kept: evidence 1.00 within 5 of the best 1.00',
    });
  });

  it('previous counts as a model caption: it needs model_min_evidence, not min_evidence', () => {
    // last round's choice at 8.5 is preferred and within the margin, but not confirmed: the synthetic wins
    expect(choose(['previous', 'synthetic'], [8.5, 12], defaults)).toEqual({
      index: 1,
      margin: 3.5,
      runnerUp: 0,
      reason:
        'previous implausible or more than 8 below the best; synthetic kept: evidence 12.00 within 8 of the best 12.00',
    });
    // at exactly model_min_evidence it is kept
    expect(choose(['previous', 'synthetic'], [9, 12], defaults)).toEqual({
      index: 0,
      margin: -3,
      runnerUp: 1,
      reason: 'previous kept: evidence 9.00 within 8 of the best 12.00',
    });
    // people's threshold does not admit it
    expect(choose(['previous'], [5], defaults)).toEqual({
      index: -1,
      margin: 0,
      runnerUp: 0,
      reason: "no plausible candidate: best previous has evidence 5.00 (people's text needs 0, a model's caption 9)",
    });
    expect(choose(['title', 'previous'], [0.5, 8.5], defaults)).toEqual({
      index: 0,
      margin: -8,
      runnerUp: 1,
      reason: 'title kept: evidence 0.50 within 8 of the best 0.50',
    });
  });

  it("a teacher's caption is kept over a better synthetic within the margin, after the clip's own text and last round's", () => {
    expect(choose(['synthetic', 'teacher'], [10, 5], rule)).toEqual({
      index: 1,
      margin: -5,
      runnerUp: 0,
      reason: 'teacher kept: evidence 5.00 within 5 of the best 10.00',
    });
    expect(choose(['teacher', 'previous', 'synthetic'], [9, 6, 10], rule)).toMatchObject({ index: 1 });
    expect(choose(['teacher', 'asr'], [9, 4], rule)).toMatchObject({ index: 1 });
    // a model's caption: it needs model_min_evidence
    expect(choose(['asr', 'teacher'], [-1, 8.75], defaults)).toMatchObject({ index: -1, runnerUp: 1 });
    expect(choose(['asr', 'teacher'], [-1, 9], defaults)).toMatchObject({ index: 1 });
  });

  it('synthetic-frames, synthetic-sampled and a source outside PREFERENCE are model captions too', () => {
    expect(choose(['synthetic-frames'], [8.75], defaults)).toMatchObject({ index: -1, runnerUp: 0 });
    expect(choose(['synthetic-frames'], [9], defaults)).toMatchObject({ index: 0 });
    expect(choose(['synthetic-sampled'], [8.75], defaults)).toMatchObject({ index: -1, runnerUp: 0 });
    // the sample comes last: it wins over the greedy caption only beyond the margin
    expect(choose(['synthetic', 'synthetic-sampled'], [10, 18], defaults)).toMatchObject({ index: 0 });
    expect(choose(['synthetic', 'synthetic-sampled'], [10, 18.5], defaults)).toMatchObject({ index: 1 });
    expect(choose(['ocr'], [8.75], defaults)).toEqual({
      index: -1,
      margin: 0,
      runnerUp: 0,
      reason: "no plausible candidate: best ocr has evidence 8.75 (people's text needs 0, a model's caption 9)",
    });
    expect(choose(['asr', 'ocr'], [-1, 20], defaults)).toEqual({
      index: 1,
      margin: 21,
      runnerUp: 0,
      reason: 'ocr has the most evidence (20.00)',
    });
  });

  it('the two thresholds are independent: a model threshold below the people one is honoured', () => {
    const loose = choiceRuleSchema.parse({ min_evidence: 5, model_min_evidence: -1 });
    expect(choose(['asr', 'synthetic'], [4, -0.5], loose)).toEqual({
      index: 1,
      margin: -4.5,
      runnerUp: 0,
      reason:
        'asr implausible or more than 8 below the best; synthetic kept: evidence -0.50 within 8 of the best -0.50',
    });
    expect(choose(['asr', 'synthetic'], [5, -0.5], loose)).toMatchObject({ index: 0, margin: 5.5, runnerUp: 1 });
  });
});

describe('choose with model_margin', () => {
  const mm = choiceRuleSchema.parse({ margin: 5, model_min_evidence: 0, model_margin: 1 });

  it("last round's choice yields to this round's caption the judge is surer of by more than model_margin", () => {
    // previous 7 is within 5 of the best (synthetic 9) but more than 1 below it: this round's caption wins
    expect(choose(['asr', 'previous', 'synthetic'], [-2, 7, 9], mm)).toEqual({
      index: 2,
      margin: 2,
      runnerUp: 1,
      reason:
        'asr, previous implausible or too far below the best; synthetic kept: evidence 9.00 within 5 of the best 9.00 and within 1 of the best model caption 9.00',
    });
    // within model_margin (boundary inclusive) the previous choice keeps its place; without the option it always would
    expect(choose(['asr', 'previous', 'synthetic'], [-2, 8, 9], mm).index).toBe(1);
    expect(choose(['asr', 'previous', 'synthetic'], [-2, 7, 9], rule).index).toBe(1);
  });

  it("does not touch people's text: a transcript within margin still keeps its place over both", () => {
    expect(choose(['asr', 'previous', 'synthetic'], [5, 7, 9], mm).index).toBe(0);
  });

  it('is optional and never negative', () => {
    expect(choiceRuleSchema.parse({}).model_margin).toBeUndefined();
    expect(choiceRuleSchema.safeParse({ model_margin: -1 }).success).toBe(false);
  });
});

describe('choose with title_margin', () => {
  const tm = choiceRuleSchema.parse({ margin: 5, model_min_evidence: 0, title_margin: 2 });

  it("the title yields to a model's caption the judge is surer of by more than title_margin", () => {
    // title 6 is within 5 of the best (synthetic 9) but more than 2 below it: the caption wins
    expect(choose(['asr', 'title', 'synthetic'], [-2, 6, 9], tm)).toEqual({
      index: 2,
      margin: 3,
      runnerUp: 1,
      reason:
        'asr, title implausible or too far below the best; synthetic kept: evidence 9.00 within 5 of the best 9.00',
    });
    // within title_margin (boundary inclusive) the title keeps its place; without the option it would at 6 too
    expect(choose(['asr', 'title', 'synthetic'], [-2, 7, 9], tm).reason).toBe(
      'asr implausible or too far below the best; title kept: evidence 7.00 within 2 of the best 9.00',
    );
    expect(choose(['asr', 'title', 'synthetic'], [-2, 6, 9], rule).index).toBe(1);
  });

  it("does not touch the transcript: within margin it keeps its place over a title's nearer rival", () => {
    expect(choose(['asr', 'title', 'synthetic'], [5, 6, 9], tm).index).toBe(0);
  });

  it('is optional and never negative', () => {
    expect(choiceRuleSchema.parse({}).title_margin).toBeUndefined();
    expect(choiceRuleSchema.safeParse({ title_margin: -1 }).success).toBe(false);
  });
});

describe("choose with the title's lead part", () => {
  it("takes the whole title's place where the title wins, while within title_lead_margin (absent = 3) of it", () => {
    // a tagline the frames do not confirm: the lead scores about as the whole and stands in for it
    expect(choose(['asr', 'title', 'title-lead', 'synthetic'], [-2, 6, 5.5, 9], rule)).toEqual({
      index: 2,
      margin: -3.5,
      runnerUp: 3,
      reason:
        "asr implausible or more than 5 below the best; title kept: evidence 6.00 within 5 of the best 9.00; its lead part in its place: evidence 5.50 within 3 of the whole title's",
    });
    expect(choose(['asr', 'title', 'title-lead'], [-2, 6, 3], rule).index).toBe(2);
    // a lead that loses what followed the bar (a channel's name): the whole title keeps the clip
    expect(choose(['asr', 'title', 'title-lead'], [-2, 6, 2.5], rule).index).toBe(1);
    const wide = choiceRuleSchema.parse({ margin: 5, model_min_evidence: 0, title_lead_margin: 4 });
    expect(choose(['asr', 'title', 'title-lead'], [-2, 6, 2.5], wide).index).toBe(2);
    // an implausible lead never stands in
    expect(choose(['asr', 'title', 'title-lead'], [-2, 1, -0.5], rule).index).toBe(1);
  });

  it('never decides which candidate wins: a lead scored above the whole gives the title no edge', () => {
    // the whole title is more than 5 below the synthetic; its lead, within 5, does not bring it back
    expect(choose(['asr', 'title', 'title-lead', 'synthetic'], [-2, 3, 5, 9], rule).index).toBe(3);
    // nor does a plausible lead stand in for an implausible title, or for a transcript that wins
    expect(choose(['asr', 'title', 'title-lead', 'synthetic'], [-2, -1, 5, 9], rule).index).toBe(3);
    expect(choose(['asr', 'title', 'title-lead'], [1, 6, 6], rule).index).toBe(0);
    // the title margins decide for the whole title, as without the lead
    const tm = choiceRuleSchema.parse({ margin: 5, model_min_evidence: 0, title_margin: 2 });
    expect(choose(['asr', 'title', 'title-lead', 'synthetic'], [-2, 6, 8, 9], tm).index).toBe(3);
    const tp = choiceRuleSchema.parse({ margin: 5, model_min_evidence: 0, title_over_previous: 0 });
    expect(choose(['asr', 'title', 'title-lead', 'previous'], [-2, 6, 9, 8], tp).index).toBe(3);
  });

  it('runner-up and margin are against the other candidates, not the whole title', () => {
    const c = choose(['title', 'title-lead', 'synthetic'], [6, 7, 4], rule);
    expect(c).toMatchObject({ index: 1, runnerUp: 2, margin: 3 });
  });

  it('without the whole title among the candidates, the lead competes as the title would', () => {
    expect(choose(['asr', 'title-lead', 'synthetic'], [-2, 4, 9], rule).index).toBe(1);
    expect(choose(['asr', 'title-lead', 'synthetic'], [-2, 3, 9], rule).index).toBe(2);
  });

  it('title_lead_margin is optional and never negative', () => {
    expect(choiceRuleSchema.parse({}).title_lead_margin).toBeUndefined();
    expect(choiceRuleSchema.safeParse({ title_lead_margin: -1 }).success).toBe(false);
  });
});

describe('choose with title_over_previous', () => {
  const tp = choiceRuleSchema.parse({ margin: 5, model_min_evidence: 0, title_over_previous: 0 });

  it("keeps last round's model caption against a title the judge does not prefer to it", () => {
    // title 6 is within 5 of the best (previous 8), so the preference order alone would give it the clip
    expect(choose(['asr', 'title', 'previous'], [-2, 6, 8], rule).index).toBe(1);
    expect(choose(['asr', 'title', 'previous'], [-2, 6, 8], tp)).toEqual({
      index: 2,
      margin: 2,
      runnerUp: 1,
      reason:
        'asr, title implausible or too far below the best; previous kept: evidence 8.00 within 5 of the best 8.00',
    });
  });

  it('lets the title win back a clip it scores at least that many nats above last round', () => {
    expect(choose(['asr', 'title', 'previous'], [-2, 8, 8], tp).reason).toBe(
      "asr implausible or too far below the best; title kept: evidence 8.00 within 5 of the best 8.00 and 0 above last round's 8.00",
    );
    const ahead = choiceRuleSchema.parse({ margin: 5, model_min_evidence: 0, title_over_previous: 2 });
    expect(choose(['asr', 'title', 'previous'], [-2, 9, 8], ahead).index).toBe(2);
    expect(choose(['asr', 'title', 'previous'], [-2, 10, 8], ahead).index).toBe(1);
    // negative: the title may win back while that many nats below last round's caption
    const behind = choiceRuleSchema.parse({ margin: 5, model_min_evidence: 0, title_over_previous: -3 });
    expect(choose(['asr', 'title', 'previous'], [-2, 5, 8], behind).index).toBe(1);
    expect(choose(['asr', 'title', 'previous'], [-2, 4.5, 8], behind).index).toBe(2);
  });

  it("does not touch the transcript, this round's captions, or a title with no plausible last-round caption", () => {
    expect(choose(['asr', 'title', 'previous'], [5, 6, 8], tp).index).toBe(0);
    expect(choose(['asr', 'title', 'synthetic'], [-2, 6, 8], tp).index).toBe(1);
    const strict = choiceRuleSchema.parse({ margin: 5, model_min_evidence: 9, title_over_previous: 0 });
    expect(choose(['asr', 'title', 'previous', 'synthetic'], [-2, 6, 8, 10], strict).index).toBe(1);
  });

  it('is optional, and a number', () => {
    expect(choiceRuleSchema.parse({}).title_over_previous).toBeUndefined();
    expect(choiceRuleSchema.safeParse({ title_over_previous: '0' }).success).toBe(false);
  });
});

describe('choose with people_margin', () => {
  const pm = choiceRuleSchema.parse({ margin: 5, model_min_evidence: 0, people_margin: 1 });

  it('the transcript yields to a title the judge is surer of by more than people_margin', () => {
    // asr 2 is within 5 of the best (title 4) but more than 1 below it: the title wins
    expect(choose(['asr', 'title'], [2, 4], pm)).toEqual({
      index: 1,
      margin: 2,
      runnerUp: 0,
      reason:
        "asr implausible or too far below the best; title kept: evidence 4.00 within 5 of the best 4.00 and within 1 of the best people's text 4.00",
    });
    // within people_margin (boundary inclusive) the transcript keeps its place; without the option it always would
    expect(choose(['asr', 'title'], [3, 4], pm).index).toBe(0);
    expect(choose(['asr', 'title'], [2, 4], rule).index).toBe(0);
  });

  it('between people’s text it picks the surer; the preference order still breaks near-ties', () => {
    expect(choose(['title', 'asr'], [4, 3.5], pm).index).toBe(1);
    expect(choose(['asr', 'title', 'previous'], [1, 2.5, 6], pm).index).toBe(1);
  });

  it("a model caption still needs more than margin over people's text, and without plausible people's text only margin applies", () => {
    expect(choose(['asr', 'synthetic'], [3, 7.5], pm).index).toBe(0);
    expect(choose(['asr', 'synthetic'], [2, 7.5], pm).index).toBe(1);
    const strict = choiceRuleSchema.parse({ margin: 5, min_evidence: 5, model_min_evidence: 0, people_margin: 0 });
    expect(choose(['asr', 'previous', 'synthetic'], [4, 6, 9], strict).index).toBe(1);
  });

  it('people_margin equal to margin chooses exactly as without it', () => {
    const same = choiceRuleSchema.parse({ margin: 5, model_min_evidence: 0, people_margin: 5 });
    const cases: [string[], number[]][] = [
      [
        ['asr', 'title', 'synthetic'],
        [0.5, 4, 8],
      ],
      [
        ['asr', 'title', 'previous', 'synthetic'],
        [1, 2, 6, 7],
      ],
      [
        ['title', 'synthetic', 'synthetic-frames'],
        [3, 9, 10],
      ],
      [
        ['asr', 'title'],
        [1, 5.5],
      ],
    ];
    for (const [src, sc] of cases) expect(choose(src, sc, same).index).toBe(choose(src, sc, rule).index);
  });
});

describe('choose with weight_bonus', () => {
  const bonus = choiceRuleSchema.parse({ margin: 5, model_min_evidence: 0, weight_bonus: 4 });

  it('ranks by evidence plus the bonus times the weight: a low-weight transcript loses its preference', () => {
    // evidence alone: the transcript is within 5 of the synthetic caption and wins
    expect(choose(['asr', 'synthetic'], [2, 6], bonus).index).toBe(0);
    // ranks 2 + 4·0.25 = 3 and 6 + 4·1 = 10: now 7 below, so the synthetic caption wins, the margin in rank
    expect(choose(['asr', 'synthetic'], [2, 6], bonus, [0.25, 1])).toEqual({
      index: 1,
      margin: 7,
      runnerUp: 0,
      reason:
        'asr implausible or more than 5 below the best; synthetic kept: rank 10.00 (evidence 6.00 + 4 × weight 1.00) within 5 of the best 10.00',
    });
    // a well-formed transcript keeps it: ranks 2 + 4 = 6 and 10, within 5
    const kept = choose(['asr', 'synthetic'], [2, 6], bonus, [1, 1]);
    expect(kept).toMatchObject({ index: 0, margin: -4, runnerUp: 1 });
    expect(kept.reason).toBe('asr kept: rank 6.00 (evidence 2.00 + 4 × weight 1.00) within 5 of the best 10.00');
  });

  it('plausibility stays on the evidence: a bonus cannot lift a candidate below its bar', () => {
    const strict = choiceRuleSchema.parse({ min_evidence: 0, model_min_evidence: 7, weight_bonus: 100 });
    expect(choose(['asr', 'synthetic'], [1, 6.5], strict, [0, 1]).index).toBe(0);
    expect(choose(['synthetic'], [6.5], strict, [1])).toMatchObject({ index: -1, runnerUp: 0 });
    expect(choose(['synthetic'], [6.5], strict, [1]).reason).toMatch(/best synthetic has evidence 6\.50/);
  });

  it('no weights, or no bonus: the evidence alone, as before', () => {
    const cases: [string[], number[], number[]][] = [
      [
        ['asr', 'synthetic'],
        [2, 6],
        [0.25, 1],
      ],
      [
        ['asr', 'title', 'synthetic'],
        [1, 4, 9],
        [0.1, 0.9, 0.5],
      ],
    ];
    const noBonus = choiceRuleSchema.parse({ margin: 5, model_min_evidence: 0 });
    for (const [src, ev, w] of cases) {
      expect(choose(src, ev, bonus)).toEqual(choose(src, ev, noBonus));
      expect(choose(src, ev, noBonus, w)).toEqual(choose(src, ev, noBonus));
    }
  });

  it('refuses weights that do not match the candidates', () => {
    expect(() => choose(['asr', 'title'], [1, 2], bonus, [1])).toThrow(/2 sources for 1 weights/);
  });
});
