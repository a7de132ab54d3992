/**
 * Choosing one caption per clip from its candidates, by how well each fits the clip's frames.
 *
 * The judge is a retrieval model (a CLIP-style dual encoder) trained apart from the captioner, so
 * it can disagree with the captions the captioner writes; with cross-fitting it never trained on
 * the clip it judges, so a wrong transcript it would have memorised cannot vouch for itself. A
 * candidate's evidence is how much better it matches its own clip than other clips:
 * s·cos(clip, caption) − log mean over contrast clips of exp(s·cos(other, caption)), in nats, with
 * s the judge's learned logit scale — an estimate of the caption's pointwise mutual information
 * with the clip. Wording that any clip could have (fillers, style) cancels; what the frames
 * confirm raises it; what they contradict lowers it.
 * With `clip_side`, it is blended with the clip's side of the same contrast — s·cos(clip, caption) −
 * log mean exp over the contrast clips' candidates of s·cos(clip, theirs) — which asks which caption
 * the clip picks, so a caption that leaves out what the frames show loses evidence.
 *
 * The rule (ours; docs/refine-history.md has the measurements behind the defaults): candidates are tried
 * in the order of `PREFERENCE` — the clip's own transcript, its title, last round's choice, a
 * pretrained teacher's caption, then this round's model's captions — and the first whose evidence is within `margin` of the best candidate's
 * wins. A right transcript so keeps its wording (the narration's diversity survives), and a model
 * caption replaces the clip's own text only when the judge is clearly surer of it. With
 * `people_margin`, a candidate must also be within that many nats of the best plausible people's
 * text: between the transcript and the title the judge then decides by a smaller margin than
 * between people's text and a model's caption; `model_margin` does the same between model captions
 * (last round's choice and this round's), and `title_margin` asks the title to come closer to the best
 * candidate than `margin` does, and `title_over_previous` keeps last round's model caption against a
 * title that does not beat it by that much. Only plausible
 * candidates compete: people's text needs `min_evidence`, a model's caption (this round's, or one
 * carried over from the last round) the higher `model_min_evidence` — the frames must confirm it,
 * not merely fail to contradict it. When no candidate is plausible the clip is dropped.
 * With `weight_bonus`, candidates are ranked (for the margins, not for plausibility) by evidence plus
 * that many nats times the candidate's AdaTaiLr weight under the round's captioner: a transcript
 * with words missing, which the judge cannot tell from a whole one, reads as implausible text to the
 * captioner and so loses its preference to a candidate the captioner finds well-formed.
 * A title's lead part (before a vertical bar) takes the whole title's place where the title wins and
 * the judges score the lead within `title_lead_margin` of it: the tagline leaves the caption, and
 * which clips keep a title does not change.
 */
import type { ChoiceRule } from '../../config/choice-rule.js';
import { isTitleSource as isTitle } from '../../schemas/captions.js';

/** Sources that are people's text; every other source is a model's caption. */
export const PEOPLE_SOURCES: ReadonlySet<string> = new Set(['asr', 'title', 'title-lead', 'human']);

/** `title_lead_margin` when the rule leaves it out (nats). */
export const TITLE_LEAD_MARGIN = 3;

/** The order candidates are preferred in, when the judge cannot tell them apart by more than the margin. */
export const PREFERENCE = [
  'asr',
  'title',
  'title-lead',
  'previous',
  'teacher',
  'synthetic',
  'synthetic-frames',
  'synthetic-sampled',
] as const;

/** Evidence of a caption for its clip: its own logit minus the log-mean-exp of its logits for the contrast clips. */
export function evidence(own: number, contrast: readonly number[]): number {
  if (contrast.length === 0) return 0;
  const m = Math.max(...contrast);
  return own - (m + Math.log(contrast.reduce((s, x) => s + Math.exp(x - m), 0) / contrast.length));
}

/** The chosen candidate (index into the candidates, or −1 when none is plausible) with why. */
export interface Choice {
  readonly index: number;
  /** Chosen rank (its evidence, plus the weight bonus when set) minus the runner-up's (0 without a runner-up). */
  readonly margin: number;
  /** Index of the best other candidate by rank (evidence, plus the weight bonus when set), −1 when there is none. */
  readonly runnerUp: number;
  readonly reason: string;
}

/**
 * Chooses among a clip's candidates (`sources[i]` with evidence `evidence[i]` and, with
 * `weight_bonus`, AdaTaiLr weight `weights[i]`) by the rule in the module comment; `human` always wins.
 * The title's lead part does not compete: where the whole title wins, the lead takes its place when
 * plausible and within `title_lead_margin` of it, so the better-scored of two wordings of one title
 * never gives titles an edge over the other candidates.
 */
export function choose(
  sources: readonly string[],
  evidence: readonly number[],
  rule: ChoiceRule,
  weights?: readonly number[],
): Choice {
  if (sources.length !== evidence.length)
    throw new RangeError(`choose: ${sources.length} sources for ${evidence.length} scores`);
  if (weights && weights.length !== sources.length)
    throw new RangeError(`choose: ${sources.length} sources for ${weights.length} weights`);
  const lead = sources.indexOf('title-lead');
  if (lead < 0 || !sources.includes('title')) return chooseAmong(sources, evidence, rule, weights);
  const rest = sources.map((_, i) => i).filter((i) => i !== lead);
  const c = chooseAmong(
    rest.map((i) => sources[i]),
    rest.map((i) => evidence[i]),
    rule,
    weights && rest.map((i) => weights[i]),
  );
  const at = (k: number): number => (k < 0 ? -1 : rest[k]);
  const chosen: Choice = { ...c, index: at(c.index), runnerUp: at(c.runnerUp) };
  if (sources[chosen.index] !== 'title') return chosen;
  const bonus = weights ? (rule.weight_bonus ?? 0) : 0;
  const score = (i: number): number => evidence[i] + (bonus > 0 && weights ? bonus * weights[i] : 0);
  const gap = rule.title_lead_margin ?? TITLE_LEAD_MARGIN;
  if (evidence[lead] < rule.min_evidence || score(lead) < score(chosen.index) - gap) return chosen;
  return {
    index: lead,
    margin: chosen.margin + score(lead) - score(chosen.index),
    runnerUp: chosen.runnerUp,
    reason: `${c.reason}; its lead part in its place: ${bonus > 0 ? 'rank' : 'evidence'} ${score(lead).toFixed(2)} within ${gap} of the whole title's`,
  };
}

/** {@link choose} over candidates none of which stands in for another. */
function chooseAmong(
  sources: readonly string[],
  evidence: readonly number[],
  rule: ChoiceRule,
  weights?: readonly number[],
): Choice {
  const bonus = weights ? (rule.weight_bonus ?? 0) : 0;
  // what the margins compare: the evidence, plus the captioner's say when weight_bonus is set
  const scores = evidence.map((e, i) => e + (bonus > 0 && weights ? bonus * weights[i] : 0));
  const human = sources.indexOf('human');
  if (human >= 0) return { index: human, margin: 0, runnerUp: -1, reason: 'human caption' };
  if (sources.length === 0) return { index: -1, margin: 0, runnerUp: -1, reason: 'no candidate' };
  const order = scores.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s || a.i - b.i);
  const plausible = (i: number): boolean =>
    evidence[i] >= (PEOPLE_SOURCES.has(sources[i]) ? rule.min_evidence : rule.model_min_evidence);
  const pick = (i: number, reason: string): Choice => {
    const runner = order.find((x) => x.i !== i);
    return { index: i, margin: runner ? scores[i] - runner.s : 0, runnerUp: runner ? runner.i : -1, reason };
  };
  const f = (x: number): string => x.toFixed(2);
  const best = order.find((x) => plausible(x.i));
  if (!best) {
    const top = order[0];
    return {
      index: -1,
      margin: 0,
      runnerUp: top.i,
      reason: `no plausible candidate: best ${sources[top.i]} has evidence ${f(evidence[top.i])} (people's text needs ${rule.min_evidence}, a model's caption ${rule.model_min_evidence})`,
    };
  }
  const people = order.find((x) => plausible(x.i) && PEOPLE_SOURCES.has(sources[x.i]));
  const floor = Math.max(best.s - rule.margin, people ? people.s - (rule.people_margin ?? rule.margin) : -Infinity);
  const model = order.find((x) => plausible(x.i) && !PEOPLE_SOURCES.has(sources[x.i]));
  const modelFloor = Math.max(floor, model ? model.s - (rule.model_margin ?? rule.margin) : -Infinity);
  // last round's model caption, when plausible and title_over_previous is set: the score the title must reach
  const previous = sources.indexOf('previous');
  const previousBar =
    rule.title_over_previous !== undefined && previous >= 0 && plausible(previous)
      ? scores[previous] + rule.title_over_previous
      : undefined;
  const titleFloor = Math.max(floor, best.s - (rule.title_margin ?? rule.margin), previousBar ?? -Infinity);
  const floorOf = (source: string): number =>
    isTitle(source) ? titleFloor : PEOPLE_SOURCES.has(source) ? floor : modelFloor;
  for (const source of PREFERENCE) {
    const i = sources.indexOf(source);
    if (i >= 0 && plausible(i) && scores[i] >= floorOf(source)) {
      const passed = PREFERENCE.slice(0, PREFERENCE.indexOf(source)).filter((p) => sources.includes(p));
      const bar =
        rule.people_margin === undefined &&
        rule.model_margin === undefined &&
        rule.title_margin === undefined &&
        rule.title_over_previous === undefined
          ? `more than ${rule.margin}`
          : 'too far';
      const why = passed.length ? `${passed.join(', ')} implausible or ${bar} below the best; ` : '';
      const ranked = bonus > 0 ? ` (evidence ${f(evidence[i])} + ${bonus} × weight ${f(weights?.[i] ?? 0)})` : '';
      const peopleBar =
        rule.people_margin !== undefined && people
          ? ` and within ${rule.people_margin} of the best people's text ${f(people.s)}`
          : '';
      const modelBar =
        rule.model_margin !== undefined && model && !PEOPLE_SOURCES.has(source)
          ? ` and within ${rule.model_margin} of the best model caption ${f(model.s)}`
          : '';
      const previousNote =
        isTitle(source) && previousBar !== undefined
          ? ` and ${rule.title_over_previous} above last round's ${f(scores[previous])}`
          : '';
      return pick(
        i,
        `${why}${source} kept: ${bonus > 0 ? 'rank' : 'evidence'} ${f(scores[i])}${ranked} within ${isTitle(source) ? (rule.title_margin ?? rule.margin) : rule.margin} of the best ${f(best.s)}${peopleBar}${modelBar}${previousNote}`,
      );
    }
  }
  return pick(best.i, `${sources[best.i]} has the ${bonus > 0 ? 'highest rank' : 'most evidence'} (${f(best.s)})`);
}
