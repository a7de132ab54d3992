/**
 * `adatailr`: chooses each clip's caption from its candidates by what its frames say about them
 * (`choose.ts`), turns the scoring model's token probabilities of the chosen caption into TaiLr
 * weights with the γ in force (AdaTaiLr: γ from the noise estimate ρ̂ of the chosen captions), and
 * keeps or drops the row by policy. A clip with no plausible candidate is dropped with its reason.
 * Human captions are always kept at full weight: they are the trusted set.
 */
import type { RecordBatch } from 'apache-arrow';
import { AdaptiveGamma } from '../../models/adatailr/gamma-strategy.js';
import { tailrWeights } from '../../models/adatailr/token-weights.js';
import { batchToRows, rowsToBatch } from '../../pipeline/arrow.js';
import type { Stage, StageContext } from '../../pipeline/stage.js';
import type { CaptionedRow } from '../../schemas/captioned.js';
import { captionedSchema } from '../../schemas/captioned.js';
import { type ScoreRow, scoresSchema } from '../../schemas/scores.js';
import {
  type CaptionJudge,
  type CaptionJudgeLoader,
  type CaptionModel,
  type CaptionModelLoader,
  chunks,
  clipText,
  packFrames,
} from '../model/caption-model.js';
import { type ChoiceRule, choose, evidence } from './choose.js';
import { decideKeep, type FilterPolicy } from './filter-policy.js';

/** Options of {@link adatailrStage}. */
export interface AdatailrStageOptions {
  readonly round: number;
  /** The captioner that weighs the chosen captions (AdaTaiLr token weights): one, or one per judge (`route` picks). */
  readonly load: readonly CaptionModelLoader[];
  /** One loader per judge that chooses among the candidates. */
  readonly judges: readonly CaptionJudgeLoader[];
  /** Index into `judges` (and `load`, when there is one per judge) for a clip (cross-fitting: ones that never trained on it). Default 0. */
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
  /**
   * Rows per `process` call; `top-fraction` and `estimated-noise` rank (and estimate ρ̂) within one
   * call, and other clips of the call are the contrast for each clip's frames, so set it to the
   * shard size. Default 256.
   */
  readonly batchSize?: number;
}

/** Per-row scores from per-token log-probs: mean weight and mean NLL (NaN for an empty caption). */
export function rowScore(
  tokenLogp: readonly number[],
  gamma: number,
  wMin: number,
): { weights: Float32Array; meanWeight: number; nll: number } {
  const weights = tailrWeights(tokenLogp, gamma, wMin);
  if (tokenLogp.length === 0) return { weights, meanWeight: Number.NaN, nll: Number.NaN };
  let w = 0;
  let nll = 0;
  for (let i = 0; i < tokenLogp.length; i++) {
    w += weights[i];
    nll -= tokenLogp[i];
  }
  return { weights, meanWeight: w / tokenLogp.length, nll: nll / tokenLogp.length };
}

/**
 * The AdaTaiLr noise estimate of the rows being scored (our rule, no smoothing): ρ̂ = share of
 * implausible captions, γ = the rule's γ for that ρ̂. ρ̂ = 0 when there is nothing to score.
 */
export function noiseEstimate(
  tokenLogps: readonly (readonly number[])[],
  vocabSize: number,
): { rho: number; gamma: number } {
  const rule = new AdaptiveGamma({ vocabSize, warmupSteps: 0, emaAlpha: 1 });
  const seqLen = Math.max(1, ...tokenLogps.map((r) => r.length));
  const logp = new Float64Array(tokenLogps.length * seqLen);
  const mask = new Uint8Array(tokenLogps.length * seqLen);
  tokenLogps.forEach((r, b) => {
    logp.set(r, b * seqLen);
    mask.fill(1, b * seqLen, b * seqLen + r.length);
  });
  rule.observe(logp, mask, seqLen);
  const { rho, gamma } = rule.current();
  return Number.isNaN(rho) ? { rho: 0, gamma: 0 } : { rho, gamma };
}

/** The clips each clip's frames are contrasted with: `m` of the others, spread over the batch. */
export function contrastClips(n: number, i: number, m: number): number[] {
  const count = Math.min(m, n - 1);
  const stride = Math.max(1, Math.floor(n / (count + 1)));
  return Array.from({ length: count }, (_, k) => (i + (k + 1) * stride) % n);
}

/** What the stage decided for one clip before the keep policy. */
interface Decision {
  readonly evidence: number[];
  readonly chosen: number;
  readonly margin: number;
  readonly runnerUp: number;
  readonly plausible: boolean;
  readonly reason: string;
}

/**
 * Scores every candidate of the given clips with the judge — its evidence for its own clip against
 * contrast clips of the same call — and chooses one per clip. Returns the decision per row index.
 */
async function decide(
  judge: CaptionJudge,
  rows: readonly CaptionedRow[],
  machine: readonly { r: CaptionedRow; i: number }[],
  rule: ChoiceRule,
  signal: AbortSignal,
): Promise<Map<number, Decision>> {
  const decisions = new Map<number, Decision>();
  if (machine.length === 0) return decisions;
  signal.throwIfAborted();
  // every clip of the call is a possible contrast, whichever model judges it
  const video = await judge.embedVideos(packFrames(rows), rows.length);
  const d = video.length / rows.length;
  const flat = machine.flatMap(({ r }) => r.candidate_captions);
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
  let at = 0;
  for (const { r, i } of machine) {
    const others = contrastClips(rows.length, i, rule.contrast);
    const ev = r.candidate_captions.map((_, j) =>
      evidence(
        logit(i, at + j),
        others.map((o) => logit(o, at + j)),
      ),
    );
    at += ev.length;
    const c =
      others.length > 0
        ? choose(r.candidate_sources, ev, rule)
        : { index: 0, margin: 0, runnerUp: -1, reason: 'no other clip to contrast with: first candidate' };
    const chosen = c.index >= 0 ? c.index : Math.max(0, c.runnerUp);
    decisions.set(i, {
      evidence: ev,
      chosen,
      margin: c.margin,
      runnerUp: c.runnerUp,
      plausible: c.index >= 0,
      reason: c.reason,
    });
  }
  return decisions;
}

/** Per-token log p of each row's chosen caption under the scoring captioner (frames and the text training shows it). */
async function scoreChosen(
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
export function adatailrStage(opts: AdatailrStageOptions): Stage {
  let models: CaptionModel[] = [];
  let judges: CaptionJudge[] = [];
  const modelBatch = opts.modelBatch ?? 32;
  if (opts.judges.length === 0)
    throw new RangeError('adatailr: no judge to choose the captions with (judges is empty)');
  if (opts.load.length !== 1 && opts.judges.length !== opts.load.length)
    throw new RangeError(
      `adatailr: ${opts.load.length} captioners for ${opts.judges.length} judges (give one, or one per judge)`,
    );
  const route = (clipId: string): number => {
    const m = opts.route ? opts.route(clipId) : 0;
    if (!(Number.isInteger(m) && m >= 0 && m < judges.length))
      throw new RangeError(`adatailr: route(${clipId}) = ${m}, expected a judge index in [0, ${judges.length})`);
    return m;
  };
  if (opts.gamma !== 'adaptive' && !(opts.gamma >= 0 && opts.gamma <= 1))
    throw new RangeError(`adatailr: gamma must be in [0, 1] or "adaptive", got ${opts.gamma}`);
  if (!(opts.wMin >= 0 && opts.wMin <= 1)) throw new RangeError(`adatailr: wMin must be in [0, 1], got ${opts.wMin}`);
  return {
    name: 'adatailr',
    resources: { cpus: 1, gpus: 1 },
    batchSize: opts.batchSize ?? 256,
    concurrency: 1,
    resumable: true,
    inputSchema: captionedSchema,
    outputSchema: scoresSchema,
    async setup() {
      models = await Promise.all(opts.load.map((l) => l()));
      judges = await Promise.all(opts.judges.map((l) => l()));
    },
    async process(batch: RecordBatch, ctx: StageContext): Promise<RecordBatch> {
      if (models.length === 0) throw new Error('adatailr: process() before setup()');
      const rows = batchToRows<CaptionedRow>(batch);
      const decisions = new Map<number, Decision>();
      const logps = new Map<number, number[]>();
      for (const [m, judge] of judges.entries()) {
        const model = models.length === 1 ? models[0] : models[m];
        const machine = rows
          .map((r, i) => ({ r, i }))
          .filter(
            ({ r }) =>
              r.candidate_captions.length > 0 && !r.candidate_sources.includes('human') && route(r.clip_id) === m,
          );
        const decided = await decide(judge, rows, machine, opts.choice, ctx.signal);
        const chosen = machine.map(({ r, i }) => {
          const d = decided.get(i) as Decision;
          return { r, i, caption: r.candidate_captions[d.chosen], source: r.candidate_sources[d.chosen] };
        });
        const lp = await scoreChosen(model, chosen, modelBatch, ctx.signal);
        chosen.forEach((c, k) => {
          decisions.set(c.i, decided.get(c.i) as Decision);
          logps.set(c.i, lp[k]);
        });
      }
      const order = [...decisions.keys()].sort((a, b) => a - b);
      const estimate = noiseEstimate(
        order.map((i) => logps.get(i) as number[]),
        opts.vocabSize,
      );
      const gamma = opts.gamma === 'adaptive' ? estimate.gamma : opts.gamma;
      const weighed = order.map((i) => rowScore(logps.get(i) as number[], gamma, opts.wMin));
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
        const keep = v.keep.keep && (d.plausible || opts.dropImplausible === false);
        const mean = Number.isNaN(v.s.meanWeight) ? 0 : v.s.meanWeight;
        return {
          ...base,
          caption: r.candidate_captions[d.chosen],
          caption_source: r.candidate_sources[d.chosen],
          candidate_scores: d.evidence,
          margin: d.margin,
          runner_up: d.runnerUp >= 0 && d.runnerUp !== d.chosen ? r.candidate_sources[d.runnerUp] : '',
          adatailr_weight: keep ? mean : 0,
          mean_token_weight: mean,
          nll: Number.isNaN(v.s.nll) ? 0 : v.s.nll,
          token_weights: Array.from(v.s.weights),
          keep,
          reason: `${d.reason}; ${d.plausible || opts.dropImplausible === false ? v.keep.reason : 'dropped: no plausible candidate'}`,
        };
      });
      return rowsToBatch(scoresSchema, out as unknown as Record<string, unknown>[]);
    },
    async teardown() {
      await Promise.all([...models.map((m) => m.release()), ...judges.map((j) => j.release())]);
      models = [];
      judges = [];
    },
  };
}
