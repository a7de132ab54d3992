/**
 * The probe's parameter list (names, shapes, init, weight decay): the single source of truth for
 * the training graph and the embedding graphs. Initialization reuses the captioner's seeded
 * initializer, so the same seed gives the same weights on every platform.
 */
import { initWeights, type ParamSpec, type Weights } from '../captioner/params.js';
import { type ProbeConfig, patchesPerFrame } from './config.js';

export { type ParamSpec, type Weights };

function linear(out: ParamSpec[], name: string, din: number, dout: number, gain = 1): void {
  out.push({ name: `${name}.w`, shape: [din, dout], init: 'normal', std: gain / Math.sqrt(din), decay: true });
  out.push({ name: `${name}.b`, shape: [dout], init: 'zeros', std: 0, decay: false });
}

function norm(out: ParamSpec[], name: string, d: number): void {
  out.push({ name: `${name}.g`, shape: [d], init: 'ones', std: 0, decay: false });
  out.push({ name: `${name}.b`, shape: [d], init: 'zeros', std: 0, decay: false });
}

/** `n` pre-LN transformer layers named `<prefix><i>.…`, their residual outputs scaled down with depth. */
function layers(out: ParamSpec[], prefix: string, n: number, d: number, ffn: number): void {
  const resid = 1 / Math.sqrt(2 * Math.max(1, n));
  for (let i = 0; i < n; i++) {
    norm(out, `${prefix}${i}.ln1`, d);
    for (const p of ['q', 'k', 'v']) linear(out, `${prefix}${i}.attn.${p}`, d, d);
    linear(out, `${prefix}${i}.attn.o`, d, d, resid);
    norm(out, `${prefix}${i}.ln2`, d);
    linear(out, `${prefix}${i}.ff1`, d, ffn);
    linear(out, `${prefix}${i}.ff2`, ffn, d, resid);
  }
}

/** Name of the learned log logit scale (a scalar, not decayed). */
export const LOG_SCALE = 'logit_scale';

/** All parameters of a probe config, in a fixed order. */
export function probeParamSpecs(cfg: ProbeConfig): ParamSpec[] {
  const d = cfg.dModel;
  const out: ParamSpec[] = [];
  // video tower: per-patch MLP (position added before the nonlinearity, so pooled features know where things are)
  linear(out, 'v.patch', cfg.patch * cfg.patch * 3, d);
  out.push({ name: 'v.pos', shape: [patchesPerFrame(cfg), d], init: 'normal', std: 0.5, decay: false });
  linear(out, 'v.patch2', d, d);
  // optional transformer layers over every frame's patches together (position: patch ⊕ frame)
  const videoLayers = cfg.videoLayers ?? 0;
  if (videoLayers > 0) {
    out.push({ name: 'v.frame_pos', shape: [cfg.frames, 1, d], init: 'normal', std: 0.1, decay: false });
    layers(out, 'v', videoLayers, d, cfg.ffn);
    norm(out, 'v.ln', d);
  }
  // appearance (mean over frames) ⊕ motion (last frame − first frame) → MLP → embedding
  linear(out, 'v.mlp', 2 * d, d);
  linear(out, 'v.out', d, d);
  // text tower: token + position embeddings → transformer layers → masked mean pool → projection
  out.push({ name: 't.tok', shape: [cfg.vocabSize, d], init: 'normal', std: 0.5, decay: false });
  out.push({ name: 't.pos', shape: [cfg.maxTextLen, d], init: 'normal', std: 0.1, decay: false });
  layers(out, 't', cfg.textLayers, d, cfg.ffn);
  norm(out, 't.ln', d);
  linear(out, 't.out', d, d);
  out.push({ name: LOG_SCALE, shape: [], init: 'zeros', std: 0, decay: false });
  return out;
}

/** Seeded initial weights of a probe (the log logit scale starts at `cfg.initLogScale`). */
export function initProbeWeights(cfg: ProbeConfig, seed: number): Weights {
  const w = initWeights(probeParamSpecs(cfg), seed);
  w.set(LOG_SCALE, Float32Array.of(cfg.initLogScale));
  return w;
}
