/**
 * `adatailr`: chooses each clip's caption from its candidates by what its frames say about them
 * (`choose.ts`), turns the scoring model's token probabilities of the chosen caption into TaiLr
 * weights with the γ in force (AdaTaiLr: γ from the noise estimate ρ̂ of the chosen captions), and
 * keeps or drops the row by policy. A clip with no plausible candidate is dropped with its reason.
 * Human captions are always kept at full weight: they are the trusted set.
 */
import { z } from 'zod';
import { defineStage, parseStageOptions } from '../../pipeline/define-stage.js';
import type { AnyStage } from '../../pipeline/stage.js';
import type { CaptionedRow } from '../../schemas/captioned.js';
import { captionedTable } from '../../schemas/captioned.js';
import { type ScoreRow, scoresTable } from '../../schemas/scores.js';
import {
  type CaptionJudge,
  type CaptionJudgeLoader,
  type CaptionModel,
  type CaptionModelLoader,
  chunks,
  clipText,
  packFrames,
} from '../model/caption-model.js';
import { type ChoiceRule, choiceRuleSchema } from '../../config/choice-rule.js';
import { type Decision, decide, rechoose, rowsToJudge } from './decide.js';
import { type FilterPolicy, filterPolicySchema } from '../../config/filter-policy.js';
import { decideKeep } from './filter-policy.js';
import { noiseEstimate, rowScore } from './row-scores.js';

export { contrastClips, noiseEstimate, rowScore } from './row-scores.js';

/** Options of {@link adatailrStage}. */
export interface AdatailrStageOptions {
  readonly round: number;
  /** The captioner that weighs the chosen captions (AdaTaiLr token weights): one, or one per fold (`route` picks). */
  readonly load: readonly CaptionModelLoader[];
  /** One loader per judge that chooses among the candidates: `ensemble` per fold, fold by fold. */
  readonly judges: readonly CaptionJudgeLoader[];
  /** Judges per fold, whose evidence for a candidate is averaged. Default 1. */
  readonly ensemble?: number;
  /** A clip's fold: which judges (and captioner, when there is one per fold) never trained on it. Default 0. */
  readonly route?: (clipId: string) => number;
  /**
   * γ for the weights: a fixed number (TaiLr), or `adaptive` — our AdaTaiLr rule applied to the rows
   * being scored: ρ = share of their captions with a token the model finds implausible (p < 10/|V|),
   * γ = min(ρ/(1−ρ), γ_max) ({@link noiseEstimate}).
   */
  readonly gamma: number | 'adaptive';
  /** Vocabulary size of the scoring model (sets the adaptive rule's probability floor). */
  readonly vocabSize: number;
  readonly wMin: number;
  readonly policy: FilterPolicy;
  /** How a caption is chosen among a clip's candidates. */
  readonly choice: ChoiceRule;
  /** Drop a clip whose best candidate is not plausible (the choice rule's `min_evidence`). Default true. */
  readonly dropImplausible?: boolean;
  /** Clips per model call. Default 32. */
  readonly modelBatch?: number;
}

const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', `must be ${what}`);
const unit = z.number().min(0).max(1);
const optionsSchema = z
  .object({
    round: z.number().int().nonnegative(),
    load: z.array(fn<CaptionModelLoader>('a model loader')),
    judges: z
      .array(fn<CaptionJudgeLoader>('a judge loader'))
      .min(1, 'no judge to choose the captions with (judges is empty)'),
    ensemble: z.number().int().positive().default(1),
    route: fn<(clipId: string) => number>('a function').optional(),
    gamma: z.union([unit, z.literal('adaptive')], 'must be in [0, 1] or "adaptive"'),
    vocabSize: z.number().int().positive(),
    wMin: unit,
    policy: filterPolicySchema,
    choice: choiceRuleSchema,
    dropImplausible: z.boolean().default(true),
    modelBatch: z.number().int().positive().default(32),
  })
  .refine((o) => o.judges.length % o.ensemble === 0, {
    path: ['judges'],
    error: (i) => {
      const o = i.input as { judges: unknown[]; ensemble: number };
      return `${o.judges.length} judges are not ${o.ensemble} (the ensemble) per fold`;
    },
  })
  .refine((o) => o.load.length === 1 || o.load.length === o.judges.length / o.ensemble, {
    path: ['load'],
    error: (i) => {
      const o = i.input as { load: unknown[]; judges: unknown[]; ensemble?: number };
      const folds = o.judges.length / (o.ensemble ?? 1);
      return `${o.load.length} captioners for ${folds} folds of judges (give one, or one per fold)`;
    },
  });

/** Per-token log p of each caption under the scoring captioner (its clip's frames and the text training shows it). */
async function scoreCaptions(
  model: CaptionModel,
  rows: readonly { r: CaptionedRow; caption: string; source: string }[],
  modelBatch: number,
  signal: AbortSignal,
): Promise<number[][]> {
  const out: number[][] = [];
  for (const group of chunks(rows, modelBatch)) {
    signal.throwIfAborted();
    const s = await model.score(
      { frames: packFrames(group.map((g) => g.r)), text: group.map((g) => clipText(g.r, g.source)) },
      group.map((g) => g.caption),
    );
    out.push(...s.tokenLogp);
  }
  return out;
}

/** Builds the adatailr stage (captioned → scores). */
export function adatailrStage(options: AdatailrStageOptions): AnyStage {
  const opts = parseStageOptions('adatailr', optionsSchema, options);
  let models: CaptionModel[] = [];
  let judges: CaptionJudge[] = [];
  const { modelBatch } = opts;
  const folds = opts.judges.length / opts.ensemble;
  const route = (clipId: string): number => {
    const m = opts.route ? opts.route(clipId) : 0;
    if (!(Number.isInteger(m) && m >= 0 && m < folds))
      throw new RangeError(`adatailr: route(${clipId}) = ${m}, expected a fold in [0, ${folds})`);
    return m;
  };
  return defineStage({
    name: 'adatailr',
    input: captionedTable,
    output: scoresTable,
    resources: { cpus: 1, gpus: 1 },
    // ranking policies, ρ̂ and each clip's contrast clips work within one call: it needs the whole shard
    wholeShard: true,
    async setup() {
      models = await Promise.all(opts.load.map((l) => l()));
      judges = await Promise.all(opts.judges.map((l) => l()));
    },
    async process(rows, ctx) {
      if (models.length === 0) throw new Error('adatailr: process() before setup()');
      const decisions = new Map<number, Decision>();
      // per judged row, the log p of every candidate the captioner scored (the chosen one, or all with weight_bonus)
      const logps = new Map<number, Map<number, number[]>>();
      const weighsAll = (opts.choice.weight_bonus ?? 0) > 0;
      for (let m = 0; m < folds; m++) {
        const model = models.length === 1 ? models[0] : models[m];
        const machine = rowsToJudge(rows, (id) => route(id) === m);
        const foldJudges = judges.slice(m * opts.ensemble, (m + 1) * opts.ensemble);
        const decided = await decide(foldJudges, rows, machine, opts.choice, ctx.signal);
        const scored = machine.flatMap(({ r, i }) => {
          const d = decided.get(i) as Decision;
          const which = weighsAll ? r.candidate_captions.map((_, j) => j) : [d.chosen];
          return which.map((j) => ({ r, i, j, caption: r.candidate_captions[j], source: r.candidate_sources[j] }));
        });
        const lp = await scoreCaptions(model, scored, modelBatch, ctx.signal);
        for (const { i } of machine) {
          decisions.set(i, decided.get(i) as Decision);
          logps.set(i, new Map());
        }
        scored.forEach((c, k) => logps.get(c.i)?.set(c.j, lp[k]));
      }
      const order = [...decisions.keys()].sort((a, b) => a - b);
      const chosenLogp = (i: number): number[] => logps.get(i)?.get((decisions.get(i) as Decision).chosen) ?? [];
      // γ comes from the judges' choice; with weight_bonus the choice is then made again with every candidate's weight
      const estimate = noiseEstimate(order.map(chosenLogp), opts.vocabSize);
      const gamma = opts.gamma === 'adaptive' ? estimate.gamma : opts.gamma;
      const candidateWeights = new Map<number, number[]>();
      if (weighsAll)
        for (const i of order) {
          const w = rows[i].candidate_captions.map((_, j) => {
            const mean = rowScore(logps.get(i)?.get(j) ?? [], gamma, opts.wMin).meanWeight;
            return Number.isNaN(mean) ? 0 : mean;
          });
          candidateWeights.set(i, w);
          decisions.set(i, rechoose(decisions.get(i) as Decision, rows[i].candidate_sources, w, opts.choice));
        }
      const weighed = order.map((i) => rowScore(chosenLogp(i), gamma, opts.wMin));
      const keeps = decideKeep(
        opts.policy,
        weighed.map((s) => s.meanWeight),
        { noiseEstimate: estimate.rho, nll: weighed.map((s) => s.nll) },
      );
      const verdict = new Map(order.map((i, k) => [i, { s: weighed[k], keep: keeps[k] }]));
      const out: ScoreRow[] = rows.map((r, i) => {
        const base = {
          clip_id: r.clip_id,
          round: opts.round,
          candidate_sources: r.candidate_sources,
          gamma,
          rho: estimate.rho,
        };
        const d = decisions.get(i);
        const v = verdict.get(i);
        if (!d || !v) {
          const human = r.candidate_sources.indexOf('human');
          const reason = human >= 0 ? 'human caption' : 'no candidate caption (no transcript, title or model caption)';
          return {
            ...base,
            caption: human >= 0 ? r.candidate_captions[human] : '',
            caption_source: human >= 0 ? 'human' : '',
            candidate_scores: r.candidate_captions.map(() => 0),
            candidate_weights: [],
            margin: 0,
            runner_up: '',
            adatailr_weight: human >= 0 ? 1 : 0,
            mean_token_weight: human >= 0 ? 1 : 0,
            nll: 0,
            token_weights: [],
            keep: human >= 0,
            reason,
          };
        }
        const keep = v.keep.keep && (d.plausible || !opts.dropImplausible);
        const mean = Number.isNaN(v.s.meanWeight) ? 0 : v.s.meanWeight;
        return {
          ...base,
          caption: r.candidate_captions[d.chosen],
          caption_source: r.candidate_sources[d.chosen],
          candidate_scores: d.evidence,
          candidate_weights: candidateWeights.get(i) ?? [],
          margin: d.margin,
          runner_up: d.runnerUp >= 0 && d.runnerUp !== d.chosen ? r.candidate_sources[d.runnerUp] : '',
          adatailr_weight: keep ? mean : 0,
          mean_token_weight: mean,
          nll: Number.isNaN(v.s.nll) ? 0 : v.s.nll,
          token_weights: Array.from(v.s.weights),
          keep,
          reason: `${d.reason}; ${d.plausible || !opts.dropImplausible ? v.keep.reason : 'dropped: no plausible candidate'}`,
        };
      });
      return out;
    },
    async teardown() {
      await Promise.all([...models.map((m) => m.release()), ...judges.map((j) => j.release())]);
      models = [];
      judges = [];
    },
  });
}
