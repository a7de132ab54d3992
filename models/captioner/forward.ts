/**
 * The captioner's forward pass written against the graph builder, generic in
 * the float dtype: frames → patch embeddings (+ frame/patch positions) →
 * encoder over visual ⊕ text tokens (text padding masked) → causal decoder
 * with cross-attention → next-token logits (output projection tied to the
 * token embedding). Training, scoring and generation graphs all call these
 * functions, so they compute the same thing.
 */
import { type FloatDType, type Tensor } from '../graph/graph.js';
import * as o from '../graph/ops.js';
import { type CaptionerConfig, SPECIAL_IDS, visualTokens } from './config.js';

/** Looks up a parameter tensor by name (graph input in training, initializer in inference). */
export type ParamLookup = (name: string) => Tensor;

/** Additive attention bias for masked keys (exp underflows to exactly 0 in float32/64). */
export const MASK_NEG = -1e9;

function linear(x: Tensor, P: ParamLookup, name: string): Tensor {
  return o.add(o.matmul(x, P(`${name}.w`)), P(`${name}.b`));
}

function norm(x: Tensor, P: ParamLookup, name: string): Tensor {
  return o.layerNorm(x, P(`${name}.g`), P(`${name}.b`));
}

/** Keys [B,h,dh,Nk] and values [B,h,Nk,dh] of one attention block, projected from `xkv` [B,Nk,d]. */
export interface KeyValues {
  readonly k: Tensor;
  readonly v: Tensor;
}

/** Projects keys and values once (the decoder's cross-attention K/V depend only on the memory). */
function projectKV(cfg: CaptionerConfig, xkv: Tensor, P: ParamLookup, name: string): KeyValues {
  const h = cfg.heads;
  const dh = cfg.dModel / h;
  return {
    k: o.transpose(o.reshape(linear(xkv, P, `${name}.k`), [0, 0, h, dh]), [0, 2, 3, 1]),
    v: o.transpose(o.reshape(linear(xkv, P, `${name}.v`), [0, 0, h, dh]), [0, 2, 1, 3]),
  };
}

/** Multi-head attention of queries `xq` [B,Nq,d] over projected keys/values with additive `bias` broadcastable to [B,h,Nq,Nk]. */
function attend(cfg: CaptionerConfig, xq: Tensor, kv: KeyValues, bias: Tensor, P: ParamLookup, name: string): Tensor {
  const h = cfg.heads;
  const dh = cfg.dModel / h;
  const q = o.transpose(o.reshape(linear(xq, P, `${name}.q`), [0, 0, h, dh]), [0, 2, 1, 3]);
  const scores = o.add(o.mul(o.matmul(q, kv.k), o.scalarLike(q, 1 / Math.sqrt(dh))), bias);
  const ctx = o.matmul(o.softmax(scores, -1), kv.v);
  const merged = o.reshape(o.transpose(ctx, [0, 2, 1, 3]), [0, 0, cfg.dModel]);
  return linear(merged, P, `${name}.o`);
}

function attention(cfg: CaptionerConfig, xq: Tensor, xkv: Tensor, bias: Tensor, P: ParamLookup, name: string): Tensor {
  return attend(cfg, xq, projectKV(cfg, xkv, P, name), bias, P, name);
}

/** Per decoder layer cross-attention K/V of a memory (computed once per clip for generation). */
export function crossKeyValues(cfg: CaptionerConfig, memory: Tensor, P: ParamLookup): KeyValues[] {
  return Array.from({ length: cfg.decLayers }, (_, i) => projectKV(cfg, memory, P, `dec${i}.cross`));
}

function feedForward(x: Tensor, P: ParamLookup, name: string): Tensor {
  return linear(o.gelu(linear(x, P, `${name}.ff1`)), P, `${name}.ff2`);
}

/** Positions 0..L−1 of a [B, L] id tensor, as int64 [L]. */
function positions(ids: Tensor): Tensor {
  const gr = ids.graph;
  const len = o.gather(o.shapeOf(ids), o.scalar(gr, 1, 'int64'));
  return o.range(o.scalar(gr, 0, 'int64'), len, ids.shape[1]);
}

/** Encoder output: memory [B, N, d] and the additive key bias [B, N] (0 = attend, MASK_NEG = padding). */
export interface Encoded {
  readonly memory: Tensor;
  readonly memoryBias: Tensor;
}

/**
 * Encodes frames (uint8 [B,T,S,S,3], scaled to [−1, 1] in-graph) and text
 * ids (int64 [B,Lt], pad = 0) into memory.
 */
export function encode(
  cfg: CaptionerConfig,
  dtype: FloatDType,
  frames: Tensor,
  textIds: Tensor,
  P: ParamLookup,
): Encoded {
  const gr = frames.graph;
  const { frames: T, frameSize: S, patch: p, dModel: d } = cfg;
  const np = S / p;
  const NV = visualTokens(cfg);
  // Patch embedding by reshape + MatMul (Conv has no double kernel).
  let px = o.sub(o.mul(o.cast(frames, dtype), o.scalar(gr, 2 / 255, dtype)), o.scalar(gr, 1, dtype));
  let channels = 3;
  if (cfg.frameDiff) {
    // frame t minus frame t−1 (zeros for the first frame) as three more channels
    const diff = T > 1 ? o.sub(o.slice(px, 1, 1, T), o.slice(px, 1, 0, T - 1)) : undefined;
    const first = o.mul(o.slice(px, 1, 0, 1), o.scalar(gr, 0, dtype));
    px = o.concat([px, diff ? o.concat([first, diff], 1) : first], 4);
    channels = 6;
  }
  const tiles = o.transpose(o.reshape(px, [0, 0, np, p, np, p, channels]), [0, 1, 2, 4, 3, 5, 6]);
  const patches = o.reshape(tiles, [0, 0, np * np, p * p * channels]);
  const stem = linear(o.gelu(linear(patches, P, 'patch')), P, 'patch2');
  let vis = o.add(o.add(stem, P('pos.frame')), P('pos.patch'));
  vis = o.add(o.reshape(vis, [0, NV, d]), P('type.visual'));
  let txt = o.add(o.gather(P('tok'), textIds), o.gather(P('pos.text'), positions(textIds)));
  txt = o.add(txt, P('type.text'));
  let x = o.concat([vis, txt], 1);
  // Key bias: visual tokens always attend; text pads are masked.
  const txtBias = o.mul(
    o.cast(o.equal(textIds, o.scalar(gr, SPECIAL_IDS.pad, 'int64')), dtype),
    o.scalar(gr, MASK_NEG, dtype),
  );
  const memoryBias = o.pad(txtBias, o.ints(gr, [0, NV, 0, 0]), [txtBias.shape[0], x.shape[1]]);
  const bias4 = o.unsqueeze(memoryBias, [1, 2]);
  for (let i = 0; i < cfg.encLayers; i++) {
    const h = norm(x, P, `enc${i}.ln1`);
    x = o.add(x, attention(cfg, h, h, bias4, P, `enc${i}.attn`));
    x = o.add(x, feedForward(norm(x, P, `enc${i}.ln2`), P, `enc${i}`));
  }
  return { memory: norm(x, P, 'enc.ln'), memoryBias };
}

/**
 * Decodes caption prefixes (int64 [B, L], starting with bos) against memory
 * and returns next-token logits [B, L, V]. With `crossKV` (from
 * `crossKeyValues`) the cross-attention K/V are taken as given instead of being
 * projected from `enc.memory` (which is then unused).
 */
export function decode(
  cfg: CaptionerConfig,
  dtype: FloatDType,
  enc: { readonly memoryBias: Tensor; readonly memory?: Tensor },
  captionIn: Tensor,
  P: ParamLookup,
  crossKV?: readonly KeyValues[],
): Tensor {
  const memory = enc.memory;
  if (!memory && !crossKV) throw new Error('decode: needs the memory or precomputed cross-attention K/V');
  const gr = captionIn.graph;
  let x = o.add(o.gather(P('tok'), captionIn), o.gather(P('pos.caption'), positions(captionIn)));
  // Causal bias [L, L]: MASK_NEG strictly above the diagonal.
  const len = o.gather(o.shapeOf(captionIn), o.ints(gr, [1]));
  const L = captionIn.shape[1];
  const ones = o.constantOfShape(o.concat([len, len], 0), 1, dtype, [L, L]);
  const causal = o.mul(o.trilu(ones, true, 1), o.scalar(gr, MASK_NEG, dtype));
  const crossBias = o.unsqueeze(enc.memoryBias, [1, 2]);
  for (let i = 0; i < cfg.decLayers; i++) {
    const h1 = norm(x, P, `dec${i}.ln1`);
    x = o.add(x, attention(cfg, h1, h1, causal, P, `dec${i}.self`));
    const kv = crossKV ? crossKV[i] : projectKV(cfg, memory!, P, `dec${i}.cross`);
    x = o.add(x, attend(cfg, norm(x, P, `dec${i}.ln2`), kv, crossBias, P, `dec${i}.cross`));
    x = o.add(x, feedForward(norm(x, P, `dec${i}.ln3`), P, `dec${i}`));
  }
  x = norm(x, P, 'dec.ln');
  return o.matmul(x, o.transpose(P('tok'), [1, 0]));
}

/** One cached decoding step: logits of the next token and the self-attention K/V including this step. */
export interface DecodeStep {
  readonly logits: Tensor;
  readonly present: KeyValues[];
}

/**
 * Decodes one token per row with a self-attention KV cache: `token` int64 [B,1]
 * at `position` (int64 [1], the same for all rows), `past[i]` = layer i's keys
 * [B,h,dh,t] and values [B,h,t,dh] of the t earlier tokens. Computes exactly
 * what `decode` computes at that position (the causal mask is implicit: only
 * earlier tokens are in the cache).
 */
export function decodeStep(
  cfg: CaptionerConfig,
  memoryBias: Tensor,
  crossKV: readonly KeyValues[],
  token: Tensor,
  position: Tensor,
  past: readonly KeyValues[],
  P: ParamLookup,
): DecodeStep {
  let x = o.add(o.gather(P('tok'), token), o.gather(P('pos.caption'), position));
  const crossBias = o.unsqueeze(memoryBias, [1, 2]);
  const noBias = o.scalarLike(x, 0);
  const present: KeyValues[] = [];
  for (let i = 0; i < cfg.decLayers; i++) {
    const h1 = norm(x, P, `dec${i}.ln1`);
    const cur = projectKV(cfg, h1, P, `dec${i}.self`);
    const kv = { k: o.concat([past[i].k, cur.k], 3), v: o.concat([past[i].v, cur.v], 2) };
    present.push(kv);
    x = o.add(x, attend(cfg, h1, kv, noBias, P, `dec${i}.self`));
    x = o.add(x, attend(cfg, norm(x, P, `dec${i}.ln2`), crossKV[i], crossBias, P, `dec${i}.cross`));
    x = o.add(x, feedForward(norm(x, P, `dec${i}.ln3`), P, `dec${i}`));
  }
  x = norm(x, P, 'dec.ln');
  return { logits: o.matmul(x, o.transpose(P('tok'), [1, 0])), present };
}

/** Splits caption ids [B, L+1] (bos … eos pad…) into decoder input [B, L] and targets [B, L]. */
export function shiftCaption(captionIds: Tensor): { input: Tensor; target: Tensor } {
  return { input: o.slice(captionIds, 1, 0, -1), target: o.slice(captionIds, 1, 1, Number.MAX_SAFE_INTEGER) };
}

/** Log-probability of each target token: logits [B,L,V], targets int64 [B,L] → [B,L]. */
export function targetLogp(logits: Tensor, target: Tensor): Tensor {
  const logp = o.logSoftmax(logits, -1);
  return o.squeeze(o.gatherElements(logp, o.unsqueeze(target, [-1]), 2), [-1]);
}
