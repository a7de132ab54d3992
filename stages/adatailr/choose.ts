/**
 * Choosing one caption per clip from its candidates, by what the clip's frames say about each.
 *
 * A model that wrote a caption finds it plausible, and a model trained on a wrong transcript has
 * learnt part of it; so candidates are not ranked by their likelihood. Each token is scored by its
 * pointwise mutual information with the clip's frames: log p(token | these frames) minus log of its
 * mean probability under other clips' frames (the scorer sees frames only, never the text a
 * candidate was copied from). Filler words ("okay so", "you can see") are as likely under any clip
 * and score about 0, whatever the wording; a word the frames contradict scores well below 0; a word
 * the frames confirm scores above 0. A candidate's evidence is the sum over its tokens, its
 * contradiction the lowest token.
 *
 * The rule (ours; docs/refine.md has the measurements behind its defaults): the clip's own
 * transcript is kept when nothing in it is contradicted and it carries at least `coverage` of the
 * best candidate's evidence — so a right transcript keeps its wording and the narration's
 * diversity survives. Otherwise the best-evidenced uncontradicted candidate wins. When none is
 * uncontradicted with positive evidence, the clip has no plausible caption and is dropped.
 */
import { z } from 'zod';

/** Config schema of the choice rule. */
export const choiceRuleSchema = z
  .object({
    /** A token whose PMI is below −contradiction (nats) contradicts the frames. */
    contradiction: z.number().positive().default(2),
    /** The transcript is kept while its evidence is at least this share of the best candidate's. */
    coverage: z.number().min(0).max(1).default(0.6),
    /** Other clips' frames each token is contrasted with. */
    contrast: z.number().int().min(1).max(16).default(3),
  })
  .strict();

/** A validated choice rule. */
export type ChoiceRule = z.infer<typeof choiceRuleSchema>;

/** One candidate's verdict. */
export interface CandidateScore {
  /** Sum of the tokens' PMI with the frames (nats). */
  readonly evidence: number;
  /** The lowest token PMI (0 for a caption with no tokens). */
  readonly worst: number;
  readonly contradicted: boolean;
}

/** Per-token PMI: log p under the clip's frames minus log of the mean p under the contrast frames. */
export function tokenPmi(logp: readonly number[], contrastLogps: readonly (readonly number[])[]): number[] {
  return logp.map((lp, t) => {
    const others = contrastLogps.map((c) => c[t] ?? lp);
    if (others.length === 0) return 0;
    const m = Math.max(...others);
    const mean = m + Math.log(others.reduce((s, x) => s + Math.exp(x - m), 0) / others.length);
    return lp - mean;
  });
}

/** A candidate's evidence and contradiction from its token PMIs. */
export function candidateScore(pmi: readonly number[], rule: ChoiceRule): CandidateScore {
  const evidence = pmi.reduce((s, x) => s + x, 0);
  const worst = pmi.length ? Math.min(...pmi) : 0;
  return { evidence, worst, contradicted: worst < -rule.contradiction };
}

/** The chosen candidate (index into the candidates, or −1 when none is plausible) with why. */
export interface Choice {
  readonly index: number;
  /** Chosen evidence minus the runner-up's (0 without a runner-up). */
  readonly margin: number;
  /** Index of the runner-up by evidence, −1 when there is none. */
  readonly runnerUp: number;
  readonly reason: string;
}

/**
 * Chooses among a clip's candidates (`sources[i]` scored `scores[i]`) by the rule in the module
 * comment. `human` candidates are always chosen.
 */
export function choose(sources: readonly string[], scores: readonly CandidateScore[], rule: ChoiceRule): Choice {
  if (sources.length !== scores.length) throw new RangeError(`choose: ${sources.length} sources for ${scores.length} scores`);
  const human = sources.indexOf('human');
  if (human >= 0) return { index: human, margin: 0, runnerUp: -1, reason: 'human caption' };
  const byEvidence = scores.map((s, i) => ({ s, i })).sort((a, b) => b.s.evidence - a.s.evidence || a.i - b.i);
  const plausible = byEvidence.filter((x) => !x.s.contradicted && x.s.evidence > 0);
  const best = byEvidence[0];
  const pick = (i: number, reason: string): Choice => {
    const runner = byEvidence.find((x) => x.i !== i);
    return { index: i, margin: runner ? (scores[i] as CandidateScore).evidence - runner.s.evidence : 0, runnerUp: runner ? runner.i : -1, reason };
  };
  if (!best || plausible.length === 0) {
    const why = best ? `no plausible candidate of ${sources.length} (best ${sources[best.i]}: evidence ${best.s.evidence.toFixed(2)}, worst token ${best.s.worst.toFixed(2)})` : 'no candidate';
    return { index: -1, margin: 0, runnerUp: best ? best.i : -1, reason: why };
  }
  const top = plausible[0] as { s: CandidateScore; i: number };
  const asr = sources.indexOf('asr');
  const asrScore = asr >= 0 ? (scores[asr] as CandidateScore) : undefined;
  if (asrScore && !asrScore.contradicted && asrScore.evidence > 0 && asrScore.evidence >= rule.coverage * top.s.evidence) {
    return pick(asr, `transcript kept: evidence ${asrScore.evidence.toFixed(2)} ≥ ${rule.coverage} × best ${top.s.evidence.toFixed(2)}, no token below −${rule.contradiction}`);
  }
  const why = asrScore ? (asrScore.contradicted ? `transcript contradicted (token PMI ${asrScore.worst.toFixed(2)})` : `transcript evidence ${asrScore.evidence.toFixed(2)} < ${rule.coverage} × ${top.s.evidence.toFixed(2)}`) : 'no transcript';
  return pick(top.i, `${why}; ${sources[top.i]} has the most evidence (${top.s.evidence.toFixed(2)})`);
}
