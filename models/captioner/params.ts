/**
 * The captioner's parameter list (names, shapes, init, weight decay) and
 * seeded initialization. The list is the single source of truth shared by the
 * training graph (parameters as inputs) and the inference graphs (parameters
 * as initializers).
 */
import { normalRng } from '../rng.js';
import { type CaptionerConfig, visualTokens } from './config.js';

/** One parameter: its name, shape, how it is initialized and whether AdamW decays it. */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: 'normal' | 'zeros' | 'ones';
  /** Std-dev for `normal`. */
  readonly std: number;
  /** Decoupled weight decay applies (matrices yes; biases, norms, embeddings no). */
  readonly decay: boolean;
}

/** Parameter values by name (float32, row-major). */
export type Weights = Map<string, Float32Array>;

/** Linear layer; weights ~ N(0, gain²/din) (fan-in scaling keeps activations O(1), so nonlinearities engage from step 0). */
function linear(out: ParamSpec[], name: string, din: number, dout: number, gain = 1): void {
  const std = gain / Math.sqrt(din);
  out.push({ name: `${name}.w`, shape: [din, dout], init: 'normal', std, decay: true });
  out.push({ name: `${name}.b`, shape: [dout], init: 'zeros', std: 0, decay: false });
}

function norm(out: ParamSpec[], name: string, d: number): void {
  out.push({ name: `${name}.g`, shape: [d], init: 'ones', std: 0, decay: false });
  out.push({ name: `${name}.b`, shape: [d], init: 'zeros', std: 0, decay: false });
}

function attention(out: ParamSpec[], name: string, d: number, resid: number): void {
  linear(out, `${name}.q`, d, d);
  linear(out, `${name}.k`, d, d);
  linear(out, `${name}.v`, d, d);
  linear(out, `${name}.o`, d, d, resid);
}

/** All parameters of a captioner config, in a fixed order. */
export function paramSpecs(cfg: CaptionerConfig): ParamSpec[] {
  const d = cfg.dModel;
  const P = visualTokens(cfg) / cfg.frames;
  const out: ParamSpec[] = [];
  // Residual-branch outputs are scaled down with depth (GPT-2 style) so the stream's variance stays bounded.
  const resid = 1 / Math.sqrt(2 * Math.max(1, cfg.encLayers + cfg.decLayers));
  // Two-layer MLP patch stem: gives per-patch nonlinear features (edges, corners) from the start.
  linear(out, 'patch', cfg.patch * cfg.patch * (cfg.frameDiff ? 6 : 3), d);
  linear(out, 'patch2', d, d);
  out.push({ name: 'pos.frame', shape: [cfg.frames, 1, d], init: 'normal', std: 0.02, decay: false });
  out.push({ name: 'pos.patch', shape: [P, d], init: 'normal', std: 0.02, decay: false });
  out.push({ name: 'pos.text', shape: [cfg.maxTextLen, d], init: 'normal', std: 0.02, decay: false });
  out.push({ name: 'pos.caption', shape: [cfg.maxCaptionLen, d], init: 'normal', std: 0.02, decay: false });
  out.push({ name: 'type.visual', shape: [d], init: 'normal', std: 0.02, decay: false });
  out.push({ name: 'type.text', shape: [d], init: 'normal', std: 0.02, decay: false });
  out.push({ name: 'tok', shape: [cfg.vocabSize, d], init: 'normal', std: 0.02, decay: false });
  for (let i = 0; i < cfg.encLayers; i++) {
    norm(out, `enc${i}.ln1`, d);
    attention(out, `enc${i}.attn`, d, resid);
    norm(out, `enc${i}.ln2`, d);
    linear(out, `enc${i}.ff1`, d, cfg.ffn);
    linear(out, `enc${i}.ff2`, cfg.ffn, d, resid);
  }
  norm(out, 'enc.ln', d);
  for (let i = 0; i < cfg.decLayers; i++) {
    norm(out, `dec${i}.ln1`, d);
    attention(out, `dec${i}.self`, d, resid);
    norm(out, `dec${i}.ln2`, d);
    attention(out, `dec${i}.cross`, d, resid);
    norm(out, `dec${i}.ln3`, d);
    linear(out, `dec${i}.ff1`, d, cfg.ffn);
    linear(out, `dec${i}.ff2`, cfg.ffn, d, resid);
  }
  norm(out, 'dec.ln', d);
  return out;
}

/** Initializes all parameters deterministically from `seed`. */
export function initWeights(specs: readonly ParamSpec[], seed: number): Weights {
  const rnd = normalRng(seed);
  const w: Weights = new Map();
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (s.init === 'ones') data.fill(1);
    else if (s.init === 'normal') for (let i = 0; i < n; i++) data[i] = rnd() * s.std;
    w.set(s.name, data);
  }
  return w;
}

/** Total number of scalar parameters. */
export function countParams(specs: readonly ParamSpec[]): number {
  return specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
}
