/**
 * Runs the probe's graphs in ONNX Runtime. A `ProbeRuntime` opens the training, video and text
 * sessions once per config; every seed and dataset of a comparison reuses them, passing its own
 * weights in (parameters are graph inputs). A `ProbeTrainer` holds one run's weights and AdamW
 * moments and takes them from the step's outputs, like the captioner's `Trainer`.
 */
import * as ort from 'onnxruntime-node';
import { SPECIAL_IDS } from '../captioner/config.js';
import { type Device, type ProviderName } from '../device.js';
import { type ProbeConfig } from './config.js';
import { buildProbeTrainGraph, buildTextGraph, buildVideoGraph, PROBE_IO } from './graphs.js';
import { type ParamSpec, type Weights } from './params.js';

/** Optimizer and schedule settings of one probe training run. */
export interface ProbeTrainerOptions {
  /** Base learning rate. Default 2e-3. */
  readonly lr?: number;
  /** Linear warm-up steps. Default 20. */
  readonly warmupSteps?: number;
  /** Planned total steps (LR decays linearly to 0.1·lr by then). Default 300. */
  readonly totalSteps?: number;
  /** Decoupled weight decay on matrices. Default 0.01. */
  readonly weightDecay?: number;
  /** Global gradient-norm clip (0 disables). Default 1. */
  readonly maxGradNorm?: number;
}

/** One training batch: B clips' frames (B×T×S×S×3 RGB8), their caption token ids (no specials) and row weights. */
export interface ProbeBatch {
  readonly frames: Uint8Array;
  readonly ids: readonly (readonly number[])[];
  /** One hard negative's token ids per row: required by, and only by, a runtime opened with `hardNegatives`. */
  readonly hardIds?: readonly (readonly number[])[];
  /** Per-row weights [B] (default all 1). */
  readonly weights?: readonly number[];
}

/** Options of {@link ProbeRuntime.open}. */
export interface ProbeRuntimeOptions {
  /** Train with one hard negative text per row (`ProbeBatch.hardIds`). Default false. */
  readonly hardNegatives?: boolean;
}

/** What one step reports. */
export interface ProbeStepResult {
  /** Weighted symmetric InfoNCE of the batch (before the update). */
  readonly loss: number;
  /** Logit scale used in this step. */
  readonly scale: number;
  readonly gradNorm: number;
  readonly lr: number;
  /** 1-based step just taken. */
  readonly step: number;
}

const f32 = (v: number): ort.Tensor => new ort.Tensor('float32', Float32Array.of(v), []);

/** Right-pads id rows (truncated to `maxLen`) into an int64 [B, L] tensor; L ≥ 1. */
export function padTextIds(rows: readonly (readonly number[])[], maxLen: number): ort.Tensor {
  const cut = rows.map((r) => r.slice(0, maxLen));
  const L = Math.max(1, ...cut.map((r) => r.length));
  const data = new BigInt64Array(rows.length * L).fill(BigInt(SPECIAL_IDS.pad));
  cut.forEach((r, b) => r.forEach((id, i) => (data[b * L + i] = BigInt(id))));
  return new ort.Tensor('int64', data, [rows.length, L]);
}

function paramFeeds(specs: readonly ParamSpec[], weights: Weights, feeds: Record<string, ort.Tensor>): void {
  for (const s of specs) {
    const w = weights.get(s.name);
    if (!w) throw new Error(`probe: weights have no ${s.name}`);
    feeds[PROBE_IO.param(s.name)] = new ort.Tensor('float32', w, s.shape);
  }
}

/** An open session with the parameters its graph reads. */
interface OpenGraph {
  readonly session: ort.InferenceSession;
  readonly specs: readonly ParamSpec[];
}

/** The probe's sessions for one config. */
export class ProbeRuntime {
  readonly #cfg: ProbeConfig;
  readonly #train: OpenGraph;
  readonly #video: OpenGraph;
  readonly #text: OpenGraph;
  readonly #hardNegatives: boolean;
  /** Provider the sessions run on. */
  readonly provider: ProviderName;

  private constructor(
    cfg: ProbeConfig,
    [train, video, text]: [OpenGraph, OpenGraph, OpenGraph],
    hardNegatives: boolean,
    provider: ProviderName,
  ) {
    this.#cfg = cfg;
    this.#hardNegatives = hardNegatives;
    this.#train = train;
    this.#video = video;
    this.#text = text;
    this.provider = provider;
  }

  /** Builds the three graphs for `cfg` and opens them on `device`. */
  static async open(cfg: ProbeConfig, device: Device, opts: ProbeRuntimeOptions = {}): Promise<ProbeRuntime> {
    const hardNegatives = opts.hardNegatives ?? false;
    const open = async (
      g: { bytes: Uint8Array; specs: readonly ParamSpec[] },
      label: string,
    ): Promise<OpenGraph & { provider: ProviderName }> => ({
      ...(await device.session(g.bytes, label)),
      specs: g.specs,
    });
    const train = await open(buildProbeTrainGraph(cfg, { dtype: 'float32', hardNegatives }), 'probe train step');
    const video = await open(buildVideoGraph(cfg), 'probe video');
    const text = await open(buildTextGraph(cfg), 'probe text');
    return new ProbeRuntime(cfg, [train, video, text], hardNegatives, train.provider);
  }

  /** The config the graphs were built for. */
  get config(): ProbeConfig {
    return this.#cfg;
  }

  /** A trainer starting from `weights` (copied; the caller's map is never changed). */
  trainer(weights: Weights, opts: ProbeTrainerOptions = {}): ProbeTrainer {
    return new ProbeTrainer(this.#cfg, this.#train.session, this.#train.specs, weights, {
      ...opts,
      hardNegatives: this.#hardNegatives,
    });
  }

  #framesTensor(frames: Uint8Array, B: number): ort.Tensor {
    const { frames: T, frameSize: S } = this.#cfg;
    if (frames.length !== B * T * S * S * 3)
      throw new Error(
        `probe: frames has ${frames.length} bytes, expected ${B} clips × ${T} frames × ${S}×${S}×3 = ${B * T * S * S * 3}`,
      );
    return new ort.Tensor('uint8', frames, [B, T, S, S, 3]);
  }

  /** L2-normalised video embeddings, B×d row-major, of B clips' frames. */
  async embedVideos(weights: Weights, frames: Uint8Array, B: number): Promise<Float32Array> {
    const feeds: Record<string, ort.Tensor> = { [PROBE_IO.frames]: this.#framesTensor(frames, B) };
    paramFeeds(this.#video.specs, weights, feeds);
    return (await this.#video.session.run(feeds))[PROBE_IO.videoEmb].data as Float32Array;
  }

  /** L2-normalised text embeddings, B×d row-major, of token id rows (truncated to maxTextLen). */
  async embedTexts(weights: Weights, ids: readonly (readonly number[])[]): Promise<Float32Array> {
    if (ids.length === 0) return new Float32Array(0);
    const feeds: Record<string, ort.Tensor> = { [PROBE_IO.textIds]: padTextIds(ids, this.#cfg.maxTextLen) };
    paramFeeds(this.#text.specs, weights, feeds);
    return (await this.#text.session.run(feeds))[PROBE_IO.textEmb].data as Float32Array;
  }

  /** Frees the sessions. */
  async release(): Promise<void> {
    await Promise.all([this.#train.session.release(), this.#video.session.release(), this.#text.session.release()]);
  }

  /** Checks a batch's shape and builds its data feeds (shared by the trainer). */
  static batchFeeds(cfg: ProbeConfig, batch: ProbeBatch, hardNegatives = false): Record<string, ort.Tensor> {
    const B = batch.ids.length;
    if (hardNegatives !== (batch.hardIds !== undefined))
      throw new Error(
        hardNegatives
          ? 'probe: this trainer takes hard negatives; the batch has no hardIds'
          : 'probe: the batch has hardIds but the runtime was not opened with hardNegatives',
      );
    if (batch.hardIds && batch.hardIds.length !== B)
      throw new Error(`probe: ${batch.hardIds.length} hard negatives for ${B} rows`);
    if (B < 2) throw new Error(`probe: a contrastive batch needs ≥ 2 rows, got ${B}`);
    const { frames: T, frameSize: S } = cfg;
    if (batch.frames.length !== B * T * S * S * 3)
      throw new Error(
        `probe: frames has ${batch.frames.length} bytes, expected ${B} clips × ${T} frames × ${S}×${S}×3 = ${B * T * S * S * 3}`,
      );
    const w = batch.weights ? Float32Array.from(batch.weights) : new Float32Array(B).fill(1);
    if (w.length !== B) throw new Error(`probe: ${w.length} row weights for ${B} rows`);
    if (w.some((x) => !(x >= 0 && Number.isFinite(x))))
      throw new Error(
        `probe: row weights must be finite and ≥ 0, got ${Array.from(w).find((x) => !(x >= 0 && Number.isFinite(x)))}`,
      );
    return {
      [PROBE_IO.frames]: new ort.Tensor('uint8', batch.frames, [B, T, S, S, 3]),
      [PROBE_IO.textIds]: padTextIds(batch.ids, cfg.maxTextLen),
      [PROBE_IO.sampleWeight]: new ort.Tensor('float32', w, [B]),
      ...(batch.hardIds ? { [PROBE_IO.hardIds]: padTextIds(batch.hardIds, cfg.maxTextLen) } : {}),
    };
  }
}

/** One probe training run: weights and AdamW moments in, updated ones out, step by step. */
export class ProbeTrainer {
  readonly #cfg: ProbeConfig;
  readonly #session: ort.InferenceSession;
  readonly #specs: readonly ParamSpec[];
  readonly #opts: Required<ProbeTrainerOptions>;
  readonly #hardNegatives: boolean;
  readonly #state = new Map<string, [Float32Array, Float32Array, Float32Array]>();
  #step = 0;

  /** Use `ProbeRuntime.trainer`. */
  constructor(
    cfg: ProbeConfig,
    session: ort.InferenceSession,
    specs: readonly ParamSpec[],
    weights: Weights,
    { hardNegatives = false, ...opts }: ProbeTrainerOptions & { readonly hardNegatives?: boolean },
  ) {
    const o: Required<ProbeTrainerOptions> = {
      lr: 2e-3,
      warmupSteps: 20,
      totalSteps: 300,
      weightDecay: 0.01,
      maxGradNorm: 1,
      ...opts,
    };
    this.#hardNegatives = hardNegatives;
    for (const [k, v] of Object.entries(o))
      if (!Number.isFinite(v) || v < 0) throw new Error(`probe trainer: ${k} must be a finite number ≥ 0, got ${v}`);
    this.#cfg = cfg;
    this.#session = session;
    this.#specs = specs;
    this.#opts = o;
    for (const s of specs) {
      const w = weights.get(s.name);
      if (!w) throw new Error(`probe trainer: weights have no ${s.name}`);
      this.#state.set(s.name, [Float32Array.from(w), new Float32Array(w.length), new Float32Array(w.length)]);
    }
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.#step;
  }

  /** One optimizer step on a batch. */
  async step(batch: ProbeBatch): Promise<ProbeStepResult> {
    const step = this.#step + 1;
    const o = this.#opts;
    const feeds: Record<string, ort.Tensor> = {
      ...ProbeRuntime.batchFeeds(this.#cfg, batch, this.#hardNegatives),
      [PROBE_IO.step]: f32(step),
      [PROBE_IO.lr]: f32(o.lr),
      [PROBE_IO.warmupSteps]: f32(o.warmupSteps),
      [PROBE_IO.totalSteps]: f32(o.totalSteps),
      [PROBE_IO.weightDecay]: f32(o.weightDecay),
      [PROBE_IO.maxGradNorm]: f32(o.maxGradNorm),
    };
    for (const s of this.#specs) {
      const [p, m, v] = this.#state.get(s.name)!;
      const dims = s.shape as number[];
      feeds[PROBE_IO.param(s.name)] = new ort.Tensor('float32', p, dims);
      feeds[PROBE_IO.m(s.name)] = new ort.Tensor('float32', m, dims);
      feeds[PROBE_IO.v(s.name)] = new ort.Tensor('float32', v, dims);
    }
    const out = await this.#session.run(feeds);
    const loss = (out[PROBE_IO.loss].data as Float32Array)[0];
    if (!Number.isFinite(loss))
      throw new Error(`probe trainer: loss is ${loss} at step ${step}; weights left at step ${this.#step}`);
    for (const s of this.#specs) {
      this.#state.set(s.name, [
        out[PROBE_IO.paramOut(s.name)].data as Float32Array,
        out[PROBE_IO.mOut(s.name)].data as Float32Array,
        out[PROBE_IO.vOut(s.name)].data as Float32Array,
      ]);
    }
    this.#step = step;
    const one = (k: string): number => (out[k].data as Float32Array)[0];
    return { loss, scale: one(PROBE_IO.scale), gradNorm: one(PROBE_IO.gradNorm), lr: one(PROBE_IO.lrUsed), step };
  }

  /** A copy of the current weights. */
  weights(): Weights {
    return new Map([...this.#state].map(([k, [p]]) => [k, Float32Array.from(p)]));
  }
}
