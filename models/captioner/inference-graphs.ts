/**
 * Standalone inference graphs with the weights stored as initializers, so each
 * ONNX file runs in any ONNX runtime on its own:
 * - encoder:  frames uint8 [B,T,S,S,3], text_ids int64 [B,Lt] → memory [B,N,d], memory_bias [B,N],
 *             and per decoder layer i the cross-attention keys cross_k.i [B,h,dh,N] and values cross_v.i [B,h,N,dh]
 * - decoder:  memory_bias, cross_k.*, cross_v.*, prefix int64 [B,L] → logp_last [B,V]
 *             (the prefix is re-run each step — no self-attention KV cache — but the cross-attention
 *             K/V are computed once per clip by the encoder)
 * - score:    frames, text_ids, caption_ids [B,L+1] → token_logp [B,L] (0 at pads)
 * They call the same forward functions as the training graph.
 */
import { Graph, type Tensor } from '../graph/graph.js';
import * as o from '../graph/ops.js';
import { serialize } from '../graph/serialize.js';
import { type CaptionerConfig, SPECIAL_IDS } from './config.js';
import { crossKeyValues, decode, decodeStep, encode, shiftCaption, targetLogp } from './forward.js';
import { paramSpecs, type Weights } from './params.js';

/** Value names of the inference graphs. */
export const INFER_IO = {
  frames: 'frames',
  textIds: 'text_ids',
  captionIds: 'caption_ids',
  memory: 'memory',
  memoryBias: 'memory_bias',
  prefix: 'prefix',
  logpLast: 'logp_last',
  crossK: (i: number) => `cross_k.${i}`,
  crossV: (i: number) => `cross_v.${i}`,
  token: 'token',
  position: 'position',
  pastK: (i: number) => `past_k.${i}`,
  pastV: (i: number) => `past_v.${i}`,
  presentK: (i: number) => `present_k.${i}`,
  presentV: (i: number) => `present_v.${i}`,
  tokenLogp: 'token_logp',
} as const;

/** File names of the exported graphs inside a model version. */
export const GRAPH_FILES = {
  encoder: 'encoder.onnx',
  decoder: 'decoder.onnx',
  decoderStep: 'decoder-step.onnx',
  score: 'score.onnx',
} as const;

function weightLookup(g: Graph, cfg: CaptionerConfig, weights: Weights): (n: string) => Tensor {
  const made = new Map<string, Tensor>();
  const shapes = new Map(paramSpecs(cfg).map((s) => [s.name, s.shape]));
  return (n) => {
    let t = made.get(n);
    if (!t) {
      const data = weights.get(n);
      const shape = shapes.get(n);
      if (!data || !shape) throw new Error(`inference graph: missing weight ${n}`);
      t = g.initializer(n, 'float32', shape, data);
      made.set(n, t);
    }
    return t;
  };
}

function inputs(g: Graph, cfg: CaptionerConfig): { frames: Tensor; textIds: Tensor } {
  const S = cfg.frameSize;
  return {
    frames: g.input(INFER_IO.frames, 'uint8', ['B', cfg.frames, S, S, 3]),
    textIds: g.input(INFER_IO.textIds, 'int64', ['B', 'Lt']),
  };
}

/** The decoder graphs' inputs from the encoder: memory_bias [B,N] and each layer's cross K [B,h,dh,N] / V [B,h,N,dh]. */
function encoderOutputInputs(
  g: Graph,
  cfg: CaptionerConfig,
): { memoryBias: Tensor; cross: { k: Tensor; v: Tensor }[] } {
  const h = cfg.heads;
  const dh = cfg.dModel / h;
  const memoryBias = g.input(INFER_IO.memoryBias, 'float32', ['B', 'N']);
  const cross = Array.from({ length: cfg.decLayers }, (_, i) => ({
    k: g.input(INFER_IO.crossK(i), 'float32', ['B', h, dh, 'N']),
    v: g.input(INFER_IO.crossV(i), 'float32', ['B', h, 'N', dh]),
  }));
  return { memoryBias, cross };
}

/** Encoder graph bytes. */
export function buildEncoderGraph(cfg: CaptionerConfig, weights: Weights): Uint8Array {
  const g = new Graph('captioner_encoder');
  const P = weightLookup(g, cfg, weights);
  const { frames, textIds } = inputs(g, cfg);
  const enc = encode(cfg, 'float32', frames, textIds, P);
  g.output(enc.memory, INFER_IO.memory);
  g.output(enc.memoryBias, INFER_IO.memoryBias);
  crossKeyValues(cfg, enc.memory, P).forEach((kv, i) => {
    g.output(kv.k, INFER_IO.crossK(i));
    g.output(kv.v, INFER_IO.crossV(i));
  });
  return serialize(g, { doc: 'flywheel captioner encoder' });
}

/** Decoder graph bytes: log-probs of the next token after each prefix. */
export function buildDecoderGraph(cfg: CaptionerConfig, weights: Weights): Uint8Array {
  const g = new Graph('captioner_decoder');
  const P = weightLookup(g, cfg, weights);
  const { memoryBias, cross } = encoderOutputInputs(g, cfg);
  const prefix = g.input(INFER_IO.prefix, 'int64', ['B', 'L']);
  const logits = decode(cfg, 'float32', { memoryBias }, prefix, P, cross);
  const last = o.squeeze(o.slice(logits, 1, -1, Number.MAX_SAFE_INTEGER), [1]);
  g.output(o.logSoftmax(last, -1), INFER_IO.logpLast);
  return serialize(g, { doc: 'flywheel captioner decoder (full re-run per step)' });
}

/**
 * Cached decoder step graph bytes: memory_bias, cross_k.*, cross_v.*, token [B,1],
 * position [1], past_k.* [B,h,dh,T], past_v.* [B,h,T,dh] → logp_last [B,V],
 * present_k.* / present_v.* (the caches with this step appended).
 */
export function buildDecoderStepGraph(cfg: CaptionerConfig, weights: Weights): Uint8Array {
  const g = new Graph('captioner_decoder_step');
  const P = weightLookup(g, cfg, weights);
  const { memoryBias, cross } = encoderOutputInputs(g, cfg);
  const h = cfg.heads;
  const dh = cfg.dModel / h;
  const token = g.input(INFER_IO.token, 'int64', ['B', 1]);
  const position = g.input(INFER_IO.position, 'int64', [1]);
  const past = Array.from({ length: cfg.decLayers }, (_, i) => ({
    k: g.input(INFER_IO.pastK(i), 'float32', ['B', h, dh, 'T']),
    v: g.input(INFER_IO.pastV(i), 'float32', ['B', h, 'T', dh]),
  }));
  const step = decodeStep(cfg, memoryBias, cross, token, position, past, P);
  g.output(o.logSoftmax(o.squeeze(step.logits, [1]), -1), INFER_IO.logpLast);
  step.present.forEach((kv, i) => {
    g.output(kv.k, INFER_IO.presentK(i));
    g.output(kv.v, INFER_IO.presentV(i));
  });
  return serialize(g, { doc: 'flywheel captioner decoder step with self-attention KV cache' });
}

/** Teacher-forced scoring graph bytes: per-token log p of given captions. */
export function buildScoreGraph(cfg: CaptionerConfig, weights: Weights): Uint8Array {
  const g = new Graph('captioner_score');
  const P = weightLookup(g, cfg, weights);
  const { frames, textIds } = inputs(g, cfg);
  const captionIds = g.input(INFER_IO.captionIds, 'int64', ['B', 'Lc']);
  const enc = encode(cfg, 'float32', frames, textIds, P);
  const { input, target } = shiftCaption(captionIds);
  const logp = targetLogp(decode(cfg, 'float32', enc, input, P), target);
  const keep = o.not(o.equal(target, o.scalar(g, SPECIAL_IDS.pad, 'int64')));
  g.output(o.where(keep, logp, o.scalar(g, 0, 'float32')), INFER_IO.tokenLogp);
  return serialize(g, { doc: 'flywheel captioner teacher-forced scorer' });
}

/** Serializes the three inference graphs of a model. */
export function exportGraphs(
  cfg: CaptionerConfig,
  weights: Weights,
): { encoder: Uint8Array; decoder: Uint8Array; decoderStep: Uint8Array; score: Uint8Array } {
  return {
    encoder: buildEncoderGraph(cfg, weights),
    decoder: buildDecoderGraph(cfg, weights),
    decoderStep: buildDecoderStepGraph(cfg, weights),
    score: buildScoreGraph(cfg, weights),
  };
}
