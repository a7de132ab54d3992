/**
 * Builds the captioner's training-step graph: forward + TaiLr-weighted loss +
 * backward (+ AdamW update). Parameters (and AdamW moments) are graph inputs
 * and the updated ones are graph outputs — weights in → weights out.
 * With `optimizer: false` it outputs raw gradients instead (gradient checks).
 */
import { Graph, type FloatDType, type Tensor } from '../graph/graph.js';
import * as o from '../graph/ops.js';
import { serialize } from '../graph/serialize.js';
import { tailrLoss } from '../loss.js';
import { ADAMW_IO, type AdamWConstants } from '../optim.js';
import { appendTrainStep } from '../train-step.js';
import { type CaptionerConfig, SPECIAL_IDS } from './config.js';
import { decode, encode, shiftCaption, targetLogp } from './forward.js';
import { paramSpecs, type ParamSpec } from './params.js';

/** Graph value names shared by the graph builder and the Trainer. */
export const TRAIN_IO = {
  frames: 'frames',
  textIds: 'text_ids',
  captionIds: 'caption_ids',
  sampleWeight: 'sample_weight',
  gamma: 'gamma',
  wMin: 'w_min',
  loss: 'loss',
  tokenLogp: 'token_logp',
  tokenWeight: 'token_weight',
  ...ADAMW_IO,
} as const;

/** Options for the training graph. */
export interface TrainGraphOptions {
  /** float32 for training, float64 for gradient checks. */
  readonly dtype: FloatDType;
  /** Include the AdamW update (default true); false outputs `grad.<name>` instead. */
  readonly optimizer?: boolean;
  /** AdamW constants (default ADAMW_DEFAULTS). */
  readonly adam?: AdamWConstants;
}

/** A built training graph. */
export interface TrainGraph {
  readonly bytes: Uint8Array;
  readonly specs: readonly ParamSpec[];
}

/** Builds the forward + loss part on a graph; shared by training and the gradient check. */
export function buildLoss(g: Graph, cfg: CaptionerConfig, dtype: FloatDType, P: (n: string) => Tensor) {
  const S = cfg.frameSize;
  const frames = g.input(TRAIN_IO.frames, 'uint8', ['B', cfg.frames, S, S, 3]);
  const textIds = g.input(TRAIN_IO.textIds, 'int64', ['B', 'Lt']);
  const captionIds = g.input(TRAIN_IO.captionIds, 'int64', ['B', 'Lc']);
  const sampleWeight = g.input(TRAIN_IO.sampleWeight, dtype, ['B']);
  const gamma = g.input(TRAIN_IO.gamma, dtype, []);
  const wMin = g.input(TRAIN_IO.wMin, dtype, []);
  const enc = encode(cfg, dtype, frames, textIds, P);
  const { input, target } = shiftCaption(captionIds);
  const logits = decode(cfg, dtype, enc, input, P);
  const logp = targetLogp(logits, target);
  const mask = o.cast(o.not(o.equal(target, o.scalar(g, SPECIAL_IDS.pad, 'int64'))), dtype);
  return tailrLoss(logp, mask, sampleWeight, gamma, wMin);
}

/** Builds and serializes the training-step graph for a config. */
export function buildTrainGraph(cfg: CaptionerConfig, opts: TrainGraphOptions): TrainGraph {
  const dtype = opts.dtype;
  const g = new Graph('captioner_train');
  const specs = paramSpecs(cfg);
  const params = new Map<string, Tensor>();
  for (const s of specs) params.set(s.name, g.input(TRAIN_IO.param(s.name), dtype, s.shape));
  const P = (n: string): Tensor => {
    const t = params.get(n);
    if (!t) throw new Error(`captioner: no parameter ${n}`);
    return t;
  };
  const { loss, tokenLogp, tokenWeight } = buildLoss(g, cfg, dtype, P);
  appendTrainStep(
    g,
    dtype,
    loss,
    specs.map((s) => ({ ...s, value: P(s.name) })),
    {
      ...opts,
      report: { [TRAIN_IO.loss]: loss, [TRAIN_IO.tokenLogp]: tokenLogp, [TRAIN_IO.tokenWeight]: tokenWeight },
    },
  );
  return { bytes: serialize(g, { doc: `flywheel captioner training step (${cfg.preset}, ${dtype})` }), specs };
}
