/**
 * The probe's two towers and its loss, written against the graph builder and generic in the float
 * dtype (float64 for gradient checks, float32 for training and embedding):
 *
 *   video: frames → per-patch MLP (+ patch position) [→ transformer layers over all frames' patches,
 *          + frame position, with `videoLayers`] → mean over patches = one feature per frame
 *          → [mean over frames ⊕ (last frame − first frame)] → MLP → L2-normalised embedding
 *   text:  tokens + positions → pre-LN transformer layer(s), padding masked → masked mean pool
 *          → projection → L2-normalised embedding
 *   loss:  symmetric InfoNCE over the in-batch similarity matrix with a learned temperature,
 *          logit scale = exp(min(logit_scale, maxLogScale)), per-row weights; optionally one hard
 *          negative text per row joins that row's video → text softmax.
 */
import { type FloatDType, type Tensor } from '../graph/graph.js';
import * as o from '../graph/ops.js';
import { SPECIAL_IDS } from '../captioner/config.js';
import { type ProbeConfig, patchesPerFrame } from './config.js';
import { LOG_SCALE } from './params.js';

/** Looks up a parameter tensor by name (graph input in training and embedding graphs). */
export type ParamLookup = (name: string) => Tensor;

const MASK_NEG = -1e9;

function linear(x: Tensor, P: ParamLookup, name: string): Tensor {
  return o.add(o.matmul(x, P(`${name}.w`)), P(`${name}.b`));
}

/**
 * Video embeddings [B, d] of frames uint8 [B, T, S, S, 3] (scaled to [−1, 1] in-graph; patches by
 * reshape + transpose, since Conv has no double kernel).
 */
export function videoTower(cfg: ProbeConfig, dtype: FloatDType, frames: Tensor, P: ParamLookup): Tensor {
  const gr = frames.graph;
  const { frames: T, frameSize: S, patch: p } = cfg;
  const np = S / p;
  const px = o.sub(o.mul(o.cast(frames, dtype), o.scalar(gr, 2 / 255, dtype)), o.scalar(gr, 1, dtype));
  const tiles = o.transpose(o.reshape(px, [0, 0, np, p, np, p, 3]), [0, 1, 2, 4, 3, 5, 6]);
  const patches = o.reshape(tiles, [0, 0, patchesPerFrame(cfg), p * p * 3]);
  let h = o.gelu(linear(o.gelu(o.add(linear(patches, P, 'v.patch'), P('v.pos'))), P, 'v.patch2'));
  const layers = cfg.videoLayers ?? 0;
  if (layers > 0) {
    // every frame's patches attend to each other: [B, T, N, d] + frame position → [B, T·N, d] → layers → back
    const n = patchesPerFrame(cfg);
    let x = o.reshape(o.add(h, P('v.frame_pos')), [0, T * n, cfg.dModel]);
    const none = o.scalar(gr, 0, dtype);
    for (let i = 0; i < layers; i++) x = transformerLayer(cfg, x, none, P, `v${i}`);
    h = o.reshape(o.layerNorm(x, P('v.ln.g'), P('v.ln.b')), [0, T, n, cfg.dModel]);
  }
  const perFrame = o.reduceMean(h, [2]); // [B, T, d]
  const appearance = o.reduceMean(perFrame, [1]);
  const motion = o.squeeze(o.sub(o.slice(perFrame, 1, T - 1, T), o.slice(perFrame, 1, 0, 1)), [1]);
  const z = o.concat([appearance, motion], 1);
  return o.l2Normalize(linear(o.gelu(linear(z, P, 'v.mlp')), P, 'v.out'), -1);
}

function attention(cfg: ProbeConfig, x: Tensor, bias: Tensor, P: ParamLookup, name: string): Tensor {
  const h = cfg.heads;
  const dh = cfg.dModel / h;
  const split = (t: Tensor, perm: number[]): Tensor => o.transpose(o.reshape(t, [0, 0, h, dh]), perm);
  const q = split(linear(x, P, `${name}.q`), [0, 2, 1, 3]);
  const k = split(linear(x, P, `${name}.k`), [0, 2, 3, 1]);
  const v = split(linear(x, P, `${name}.v`), [0, 2, 1, 3]);
  const scores = o.add(o.mul(o.matmul(q, k), o.scalarLike(q, 1 / Math.sqrt(dh))), bias);
  const ctx = o.matmul(o.softmax(scores, -1), v);
  return linear(o.reshape(o.transpose(ctx, [0, 2, 1, 3]), [0, 0, cfg.dModel]), P, `${name}.o`);
}

/** One pre-LN transformer layer (attention with `bias` added to its scores, then the feed-forward), residual. */
function transformerLayer(cfg: ProbeConfig, x: Tensor, bias: Tensor, P: ParamLookup, name: string): Tensor {
  const y = o.add(x, attention(cfg, o.layerNorm(x, P(`${name}.ln1.g`), P(`${name}.ln1.b`)), bias, P, `${name}.attn`));
  const hid = o.layerNorm(y, P(`${name}.ln2.g`), P(`${name}.ln2.b`));
  return o.add(y, linear(o.gelu(linear(hid, P, `${name}.ff1`)), P, `${name}.ff2`));
}

/** Text embeddings [B, d] of token ids int64 [B, L] (pad = 0; L ≤ maxTextLen). An all-pad row embeds to zero. */
export function textTower(cfg: ProbeConfig, dtype: FloatDType, ids: Tensor, P: ParamLookup): Tensor {
  const gr = ids.graph;
  const len = o.gather(o.shapeOf(ids), o.scalar(gr, 1, 'int64'));
  const pos = o.range(o.scalar(gr, 0, 'int64'), len, ids.shape[1]);
  let x = o.add(o.gather(P('t.tok'), ids), o.gather(P('t.pos'), pos));
  const mask = o.cast(o.not(o.equal(ids, o.scalar(gr, SPECIAL_IDS.pad, 'int64'))), dtype); // [B, L]
  const bias = o.unsqueeze(o.mul(o.sub(o.scalar(gr, 1, dtype), mask), o.scalar(gr, MASK_NEG, dtype)), [1, 2]);
  for (let i = 0; i < cfg.textLayers; i++) x = transformerLayer(cfg, x, bias, P, `t${i}`);
  x = o.layerNorm(x, P('t.ln.g'), P('t.ln.b'));
  const m3 = o.unsqueeze(mask, [2]);
  const pooled = o.div(o.reduceSum(o.mul(x, m3), [1]), o.max(o.reduceSum(m3, [1]), o.scalar(gr, 1, dtype)));
  return o.l2Normalize(linear(pooled, P, 't.out'), -1);
}

/** The logit scale exp(min(logit_scale, maxLogScale)) as a scalar tensor (no gradient past the clamp, as in CLIP). */
export function logitScale(cfg: ProbeConfig, P: ParamLookup): Tensor {
  const s = P(LOG_SCALE);
  return o.exp(o.min(s, o.scalarLike(s, cfg.maxLogScale)));
}

/** Tensors of the contrastive loss. */
export interface InfoNceLoss {
  /** Scalar: Σ_i w_i · ½(ℓ_i(video→text) + ℓ_i(text→video)) / Σ_i w_i. */
  readonly loss: Tensor;
  /** Per-row loss ½(ℓ_i(v→t) + ℓ_i(t→v)) [B], detached. */
  readonly rowLoss: Tensor;
}

/**
 * Symmetric InfoNCE: logits = scale · V Tᵀ [B, B] (row i = video i, column j = text j; the pair
 * (i, i) is the positive), cross-entropy along rows and along columns, weighted mean over rows.
 * With `hard` [B, d] (one hard negative text per row, e.g. the row's caption with one word
 * swapped), video i's softmax over texts also holds scale · v_i·hard_i, so the video must prefer its
 * caption to a near copy that says something else. An all-zero weight vector gives loss 0, not NaN.
 */
export function infoNce(video: Tensor, text: Tensor, scale: Tensor, sampleWeight: Tensor, hard?: Tensor): InfoNceLoss {
  const logits = o.mul(o.matmul(video, o.transpose(text, [1, 0])), scale);
  const B = video.shape[0];
  const n = o.gather(o.shapeOf(video), o.ints(video.graph, [0]));
  const ones = o.constantOfShape(o.concat([n, n], 0), 1, video.dtype, [B, B]);
  const eye = o.trilu(o.trilu(ones, true, 0), false, 0);
  let v2t: Tensor; // log p(text i | video i)
  if (hard) {
    const hardLogit = o.unsqueeze(o.mul(o.reduceSum(o.mul(video, hard), [1]), scale), [1]); // [B, 1]
    const zeroCol = o.constantOfShape(o.concat([n, o.ints(video.graph, [1])], 0), 0, video.dtype, [B, 1]);
    v2t = o.reduceSum(o.mul(o.logSoftmax(o.concat([logits, hardLogit], 1), 1), o.concat([eye, zeroCol], 1)), [1]);
  } else {
    v2t = o.reduceSum(o.mul(o.logSoftmax(logits, 1), eye), [1]);
  }
  const t2v = o.reduceSum(o.mul(o.logSoftmax(logits, 0), eye), [0]); // log p(video i | text i)
  const row = o.mul(o.add(v2t, t2v), o.scalarLike(video, -0.5));
  const total = o.reduceSum(sampleWeight, []);
  const loss = o.div(o.reduceSum(o.mul(row, sampleWeight), []), o.max(total, o.scalarLike(video, 1e-30)));
  return { loss, rowLoss: o.stopGradient(row) };
}
