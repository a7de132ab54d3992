/**
 * The adatailr stage's choice: every candidate's evidence under each of a fold's judges (how much
 * better it fits its own clip than contrast clips of the call, optionally blended with how much
 * better it fits its clip than their captions do), their mean, and the choice rule (`choose.ts`) over it.
 */
import type { CaptionedRow } from '../../schemas/captioned.js';
import { type CaptionJudge, packFrames } from '../model/caption-model.js';
import type { ChoiceRule } from '../../config/choice-rule.js';
import { type Choice, choose, evidence } from './choose.js';
import { contrastClips } from './row-scores.js';

/** What choosing needs of a row: its frames and its candidates. */
export type JudgedRow = Pick<CaptionedRow, 'frames' | 'candidate_captions' | 'candidate_sources'>;

/**
 * The rows a fold's judges choose for, with their index in the call: rows with candidates, no human
 * caption (a human caption is kept as is), and routed to that fold.
 */
export function rowsToJudge<R extends JudgedRow & { readonly clip_id: string }>(
  rows: readonly R[],
  inFold: (clipId: string) => boolean,
): { r: R; i: number }[] {
  return rows
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.candidate_captions.length > 0 && !r.candidate_sources.includes('human') && inFold(r.clip_id));
}

/** What the stage decided for one clip before the keep policy. */
export interface Decision {
  readonly evidence: number[];
  readonly chosen: number;
  readonly margin: number;
  readonly runnerUp: number;
  readonly plausible: boolean;
  readonly reason: string;
  /** False when the call had no other clip to contrast with (the first candidate was taken as is). */
  readonly contrasted: boolean;
}

/**
 * Each candidate's evidence under one judge: how much better it fits its own clip than `contrast`
 * other clips of the call (every clip of the call is a possible contrast, whichever fold judges it),
 * blended with weight `clipSide` with the clip's side of it — how much better the caption fits its
 * clip than the contrast clips' own candidates do.
 */
async function judgeEvidence(
  judge: CaptionJudge,
  rows: readonly JudgedRow[],
  machine: readonly { r: JudgedRow; i: number }[],
  rule: ChoiceRule,
  signal: AbortSignal,
): Promise<number[][]> {
  signal.throwIfAborted();
  const clipSide = rule.clip_side ?? 0;
  const video = await judge.embedVideos(packFrames(rows), rows.length);
  const d = video.length / rows.length;
  // every row's candidates when the clip's side is weighed (contrast clips' captions), else the judged rows'
  const embedded = clipSide > 0 ? rows.map((r, i) => ({ r, i })) : machine;
  const first = new Map<number, number>();
  const flat: string[] = [];
  for (const { r, i } of embedded) {
    first.set(i, flat.length);
    flat.push(...r.candidate_captions);
  }
  const text = new Float32Array(flat.length * d);
  for (let k = 0; k < flat.length; k += 256) {
    signal.throwIfAborted();
    text.set(await judge.embedTexts(flat.slice(k, k + 256)), k * d);
  }
  const logit = (clip: number, caption: number): number => {
    let s = 0;
    for (let x = 0; x < d; x++) s += video[clip * d + x] * text[caption * d + x];
    return judge.scale * s;
  };
  return machine.map(({ r, i }) => {
    const others = contrastClips(rows.length, i, rule.contrast);
    const at = first.get(i) as number;
    const theirs =
      clipSide > 0
        ? others.flatMap((o) => rows[o].candidate_captions.map((_, j) => logit(i, (first.get(o) as number) + j)))
        : [];
    return r.candidate_captions.map((_, j) => {
      const own = logit(i, at + j);
      const captionSide = evidence(
        own,
        others.map((o) => logit(o, at + j)),
      );
      return clipSide > 0 ? (1 - clipSide) * captionSide + clipSide * evidence(own, theirs) : captionSide;
    });
  });
}

/**
 * Scores every candidate of the given clips with the fold's judges — the mean of their evidence —
 * and chooses one per clip. Returns the decision per row index.
 */
export async function decide(
  judges: readonly CaptionJudge[],
  rows: readonly JudgedRow[],
  machine: readonly { r: JudgedRow; i: number }[],
  rule: ChoiceRule,
  signal: AbortSignal,
): Promise<Map<number, Decision>> {
  const decisions = new Map<number, Decision>();
  if (machine.length === 0) return decisions;
  const each: number[][][] = [];
  for (const judge of judges) each.push(await judgeEvidence(judge, rows, machine, rule, signal));
  const canContrast = contrastClips(rows.length, 0, rule.contrast).length > 0;
  machine.forEach(({ r, i }, k) => {
    const ev = r.candidate_captions.map((_, j) => each.reduce((a, e) => a + e[k][j], 0) / each.length);
    const c = canContrast
      ? choose(r.candidate_sources, ev, rule)
      : { index: 0, margin: 0, runnerUp: -1, reason: 'no other clip to contrast with: first candidate' };
    decisions.set(i, toDecision(ev, c, canContrast));
  });
  return decisions;
}

function toDecision(ev: number[], c: Choice, contrasted: boolean): Decision {
  const chosen = c.index >= 0 ? c.index : Math.max(0, c.runnerUp);
  return {
    evidence: ev,
    chosen,
    margin: c.margin,
    runnerUp: c.runnerUp,
    plausible: c.index >= 0,
    reason: c.reason,
    contrasted,
  };
}

/**
 * The decision made again with each candidate's AdaTaiLr weight in the rule (`weight_bonus`): the
 * evidence stays; a call with nothing to contrast keeps its first candidate.
 */
export function rechoose(
  d: Decision,
  sources: readonly string[],
  weights: readonly number[],
  rule: ChoiceRule,
): Decision {
  return d.contrasted ? toDecision(d.evidence, choose(sources, d.evidence, rule, weights), true) : d;
}
