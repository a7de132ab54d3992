/**
 * `adatailr`: scores each row's caption with the current model (teacher-forced), turns the token
 * probabilities into TaiLr weights with the γ in force, and keeps or drops the row by policy.
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
import { type CaptionModel, type CaptionModelLoader, chunks, clipText, packFrames } from '../model/caption-model.js';
import { decideKeep, type FilterPolicy } from './filter-policy.js';

/** Options of {@link adatailrStage}. */
export interface AdatailrStageOptions {
  readonly round: number;
  readonly load: CaptionModelLoader;
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
  /** Clips per model call. Default 32. */
  readonly modelBatch?: number;
  /**
   * Rows per `process` call; `top-fraction` and `estimated-noise` rank (and estimate ρ̂) within one
   * call, so set it to the shard size. Default 256.
   */
  readonly batchSize?: number;
}

/** Per-row scores from per-token log-probs: mean weight and mean NLL (NaN for an empty caption). */
export function rowScore(tokenLogp: readonly number[], gamma: number, wMin: number): { weights: Float32Array; meanWeight: number; nll: number } {
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
export function noiseEstimate(tokenLogps: readonly (readonly number[])[], vocabSize: number): { rho: number; gamma: number } {
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

/** Builds the adatailr stage (captioned → scores). */
export function adatailrStage(opts: AdatailrStageOptions): Stage {
  let model: CaptionModel | undefined;
  const modelBatch = opts.modelBatch ?? 32;
  if (opts.gamma !== 'adaptive' && !(opts.gamma >= 0 && opts.gamma <= 1)) throw new RangeError(`adatailr: gamma must be in [0, 1] or "adaptive", got ${opts.gamma}`);
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
      model = await opts.load();
    },
    async process(batch: RecordBatch, ctx: StageContext): Promise<RecordBatch> {
      if (!model) throw new Error('adatailr: process() before setup()');
      const rows = batchToRows<CaptionedRow>(batch);
      const logps: number[][] = rows.map(() => []);
      const scorable = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.caption.trim() !== '' && r.caption_source !== 'human');
      for (const group of chunks(scorable, modelBatch)) {
        ctx.signal.throwIfAborted();
        const s = await model.score({ frames: packFrames(group.map((g) => g.r)), text: group.map((g) => clipText(g.r, g.r.caption_source)) }, group.map((g) => g.r.caption));
        group.forEach((g, k) => (logps[g.i] = s.tokenLogp[k]));
      }
      const estimate = noiseEstimate(scorable.map(({ i }) => logps[i]), opts.vocabSize);
      const gamma = opts.gamma === 'adaptive' ? estimate.gamma : opts.gamma;
      const scores = rows.map((r, i) => (r.caption_source === 'human' ? null : rowScore(logps[i], gamma, opts.wMin)));
      const machine = rows.map((_, i) => i).filter((i) => scores[i] !== null);
      const decisions = new Map(decideKeep(opts.policy, machine.map((i) => scores[i]!.meanWeight), { noiseEstimate: estimate.rho, nll: machine.map((i) => scores[i]!.nll) }).map((d, k) => [machine[k], d]));
      const out: ScoreRow[] = rows.map((r, i) => {
        const s = scores[i];
        if (!s) return { clip_id: r.clip_id, round: opts.round, adatailr_weight: 1, mean_token_weight: 1, nll: 0, token_weights: [], gamma, keep: true, reason: 'human caption' };
        const d = decisions.get(i)!;
        const mean = Number.isNaN(s.meanWeight) ? 0 : s.meanWeight;
        return {
          clip_id: r.clip_id,
          round: opts.round,
          adatailr_weight: d.keep ? mean : 0,
          mean_token_weight: mean,
          nll: Number.isNaN(s.nll) ? 0 : s.nll,
          token_weights: Array.from(s.weights),
          gamma,
          keep: d.keep,
          reason: d.reason,
        };
      });
      return rowsToBatch(scoresSchema, out as unknown as Record<string, unknown>[]);
    },
    async teardown() {
      await model?.release();
      model = undefined;
    },
  };
}
