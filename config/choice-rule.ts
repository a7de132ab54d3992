/**
 * Options of the adatailr stage's choice rule: how one caption is chosen among a clip's candidates
 * (`stages/adatailr/choose.ts` applies it; `docs/refine.md` says what each margin does and why).
 */
import { z } from 'zod';

/** Config schema of the choice rule. */
export const choiceRuleSchema = z
  .object({
    /** A preferred candidate wins while its evidence is at most this many nats below the best candidate's. */
    margin: z.number().min(0).default(8),
    /**
     * A candidate must also be at most this many nats below the best plausible people's text, so the
     * transcript yields to a title the judge is surer of. Absent = `margin` (no extra condition).
     */
    people_margin: z.number().min(0).optional(),
    /**
     * A model's caption must also be at most this many nats below the best plausible model's caption,
     * so last round's choice yields to this round's caption the judge is surer of (the margin between
     * model captions, as `people_margin` is between people's texts). Absent = `margin` (no extra condition).
     */
    model_margin: z.number().min(0).optional(),
    /**
     * The title wins only while at most this many nats below the best candidate: a title is right less
     * often than a transcript the judges accept (it often names one object of two), so it may yield to a
     * model's caption sooner than the transcript does. Absent = `margin`.
     */
    title_margin: z.number().min(0).optional(),
    /**
     * `title_margin` in a `schedule` tick, for the clips it takes. A tick is a clip's only pass: over a
     * refine job's rounds, a title naming one object of two can still lose the clip to a model caption
     * the judges prefer in a later round (and `title_over_previous` keeps it there); nothing revisits a
     * tick's choice. A refine round never reads it, so a job may gain it after it started. Absent =
     * `title_margin`.
     */
    tick_title_margin: z.number().min(0).optional(),
    /**
     * The title replaces last round's model caption (a plausible `previous` candidate) only while at
     * least this many nats above it: a title that lost the clip to a model's caption does not win it
     * back on the judges' noise from one round to the next. Negative lets the title win back while that
     * many nats below. Absent = no extra condition.
     */
    title_over_previous: z.number().optional(),
    /**
     * The title's lead part (`title-lead`: before a vertical bar) takes the place of a whole title
     * that won the clip only while at most this many nats below it. The tagline after the bar
     * ("| Learn Shapes") tells the judges nothing about the frames: on seed 176, which set the
     * default, the lead scored 0.05 nats above the whole on average, 10th–90th percentile −1.7 to
     * +1.8, the judges' noise (`choice-audit`). A lead that is only a channel's name loses the
     * content after the bar and more evidence with it. Absent = 3.
     */
    title_lead_margin: z.number().min(0).optional(),
    /** People's text (transcript, title) with less evidence than this (nats) is not plausible. */
    min_evidence: z.number().default(0),
    /** A model's caption (synthetic, or last round's choice carried over) with less evidence than this is not plausible. */
    model_min_evidence: z.number().default(9),
    /**
     * Weight of the clip's side of the evidence: how much better a caption fits its clip than the
     * contrast clips' own candidates fit it. The caption's side (the default, weight 1 − this) asks
     * which clip the caption picks, so a caption naming one object of two can still pick its clip;
     * the clip's side asks which caption the clip picks, and prefers the caption that says more of
     * what the frames show. Absent = 0 (the caption's side only).
     */
    clip_side: z.number().min(0).max(1).optional(),
    /**
     * Nats added to a candidate's rank per unit of its AdaTaiLr weight (mean token weight in [0, 1]
     * under the round's captioner) when the margins compare candidates; plausibility stays on the
     * evidence alone. Absent = 0 (the judges' evidence alone; the captioner scores only the chosen caption).
     */
    weight_bonus: z.number().min(0).optional(),
    /** Other clips each caption is contrasted with. */
    contrast: z.number().int().min(1).max(64).default(15),
  })
  .strict();

/** A validated choice rule. */
export type ChoiceRule = z.infer<typeof choiceRuleSchema>;

/** The rule a `schedule` tick chooses by: the job's, with `tick_title_margin` as the title margin where set. */
export function tickChoiceRule(rule: ChoiceRule): ChoiceRule {
  return rule.tick_title_margin === undefined ? rule : { ...rule, title_margin: rule.tick_title_margin };
}

/** Path of the one choice-rule field a refine round never reads (a job's config may gain or change it). */
export const TICK_ONLY_CHOICE_FIELD = ['adatailr', 'choice', 'tick_title_margin'] as const;
