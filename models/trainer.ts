/**
 * Runs the training-step graph in ONNX Runtime: one `step()` = forward,
 * TaiLr-weighted loss, backward and AdamW, with weights and both moments
 * passed in and the updated ones taken from the outputs. (onnxruntime-node
 * copies every output into a fresh JS buffer even when pre-allocated output
 * tensors are given, so pre-allocation saves nothing — see docs/models.md.)
 */
import * as ort from 'onnxruntime-node';
import { captionRows, type CaptionBatch, encoderFeeds, padIds, toIds } from './batch.js';
import { buildTrainGraph, TRAIN_IO } from './captioner/train-graph.js';
import { type ParamSpec, type Weights } from './captioner/params.js';
import { type Device, type ProviderName } from './device.js';
import { type CaptionerModel } from './model.js';
import { saveVersion, type SaveVersionOptions, type VersionManifest } from './version.js';

/** Optimizer and schedule settings of a training run. */
export interface TrainerOptions {
  /** Base learning rate. Default 1e-3. */
  readonly lr?: number;
  /** Linear warm-up steps. Default 100. */
  readonly warmupSteps?: number;
  /** Planned total steps (LR decays linearly to 0.1·lr by then). Default 10 000. */
  readonly totalSteps?: number;
  /** Decoupled weight decay on matrices. Default 0.01. */
  readonly weightDecay?: number;
  /** Global gradient-norm clip (0 disables). Default 1. */
  readonly maxGradNorm?: number;
}

/** Noise-control inputs of one step (the AdaTaiLr hook). */
export interface StepOptions {
  /** TaiLr γ ∈ [0, 1]; 0 = plain MLE. Default 0. */
  readonly gamma?: number;
  /** Lower clamp of token weights. Default 0. */
  readonly wMin?: number;
  /** Per-sample weights [B] (1 keep, 0 drop). Default all 1. */
  readonly sampleWeight?: readonly number[] | Float32Array;
  /** Overrides the base LR for this step (the schedule still applies). */
  readonly lr?: number;
}

/** What one step reports. */
export interface StepResult {
  /** Weighted loss of the batch (before the update). */
  readonly loss: number;
  /** log p of each reference caption token, [B][L] row-major as a flat array; 0 at pads. */
  readonly tokenLogp: Float32Array;
  /** Detached TaiLr token weights, same layout (0 at pads). */
  readonly tokenWeight: Float32Array;
  /** [B, L] of the two arrays above. */
  readonly dims: readonly [number, number];
  /** Global gradient L2 norm before clipping. */
  readonly gradNorm: number;
  /** Scheduled LR actually applied. */
  readonly lr: number;
  /** 1-based step number just taken. */
  readonly step: number;
}

function scalar(v: number): ort.Tensor {
  return new ort.Tensor('float32', new Float32Array([v]), []);
}

/** Trains a `CaptionerModel` in place (its `weights` map is updated after every step). */
export class Trainer {
  readonly #model: CaptionerModel;
  readonly #session: ort.InferenceSession;
  readonly #opts: Required<TrainerOptions>;
  readonly #specs: readonly ParamSpec[];
  /** Current [param, m, v] per parameter name. */
  readonly #state: Map<string, [Float32Array, Float32Array, Float32Array]>;
  #step = 0;
  /** Provider the training session runs on. */
  readonly provider: ProviderName;

  private constructor(
    model: CaptionerModel,
    session: ort.InferenceSession,
    provider: ProviderName,
    specs: readonly ParamSpec[],
    opts: Required<TrainerOptions>,
  ) {
    this.#model = model;
    this.#session = session;
    this.provider = provider;
    this.#specs = specs;
    this.#opts = opts;
    this.#state = new Map();
    for (const s of specs) {
      const w = model.weights.get(s.name);
      if (!w) throw new Error(`trainer: model has no weights for ${s.name}`);
      this.#state.set(s.name, [Float32Array.from(w), new Float32Array(w.length), new Float32Array(w.length)]);
    }
  }

  /** Builds the training graph for the model's config and opens it on `device`. */
  static async create(model: CaptionerModel, device: Device, opts: TrainerOptions = {}): Promise<Trainer> {
    const o: Required<TrainerOptions> = {
      lr: 1e-3,
      warmupSteps: 100,
      totalSteps: 10_000,
      weightDecay: 0.01,
      maxGradNorm: 1,
      ...opts,
    };
    for (const [k, v] of Object.entries(o))
      if (!Number.isFinite(v) || v < 0) throw new Error(`trainer: ${k} must be a finite number ≥ 0, got ${v}`);
    const { bytes, specs } = buildTrainGraph(model.config, { dtype: 'float32' });
    const { session, provider } = await device.session(bytes, 'captioner train step');
    return new Trainer(model, session, provider, specs, o);
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.#step;
  }

  /** The optimizer and schedule settings in force (defaults filled in). */
  get options(): Readonly<Required<TrainerOptions>> {
    return this.#opts;
  }

  /** The model being trained (weights current as of the last step). */
  get model(): CaptionerModel {
    return this.#model;
  }

  /** One optimizer step on a batch with captions. */
  async step(batch: CaptionBatch, opts: StepOptions = {}): Promise<StepResult> {
    const cfg = this.#model.config;
    if (!batch.captions) throw new Error('trainer: batch has no captions');
    const { frames, textIds, size: B } = await encoderFeeds(cfg, this.#model.tokenizer, batch);
    if (batch.captions.length !== B) throw new Error(`trainer: ${batch.captions.length} captions for ${B} clips`);
    const caps = padIds(captionRows(cfg, await toIds(this.#model.tokenizer, batch.captions)), 2);
    const sw = opts.sampleWeight ? Float32Array.from(opts.sampleWeight) : new Float32Array(B).fill(1);
    if (sw.length !== B) throw new Error(`trainer: sampleWeight has ${sw.length} entries for ${B} clips`);
    const gamma = opts.gamma ?? 0;
    const wMin = opts.wMin ?? 0;
    if (!(gamma >= 0 && gamma <= 1)) throw new Error(`trainer: gamma must be in [0, 1], got ${gamma}`);
    if (!(wMin >= 0 && wMin <= 1)) throw new Error(`trainer: wMin must be in [0, 1], got ${wMin}`);
    const step = this.#step + 1;
    const feeds: Record<string, ort.Tensor> = {
      [TRAIN_IO.frames]: frames,
      [TRAIN_IO.textIds]: textIds,
      [TRAIN_IO.captionIds]: caps,
      [TRAIN_IO.sampleWeight]: new ort.Tensor('float32', sw, [B]),
      [TRAIN_IO.gamma]: scalar(gamma),
      [TRAIN_IO.wMin]: scalar(wMin),
      [TRAIN_IO.step]: scalar(step),
      [TRAIN_IO.lr]: scalar(opts.lr ?? this.#opts.lr),
      [TRAIN_IO.warmupSteps]: scalar(this.#opts.warmupSteps),
      [TRAIN_IO.totalSteps]: scalar(this.#opts.totalSteps),
      [TRAIN_IO.weightDecay]: scalar(this.#opts.weightDecay),
      [TRAIN_IO.maxGradNorm]: scalar(this.#opts.maxGradNorm),
    };
    for (const s of this.#specs) {
      const [p, m, v] = this.#state.get(s.name)!;
      const dims = s.shape as number[];
      feeds[TRAIN_IO.param(s.name)] = new ort.Tensor('float32', p, dims);
      feeds[TRAIN_IO.m(s.name)] = new ort.Tensor('float32', m, dims);
      feeds[TRAIN_IO.v(s.name)] = new ort.Tensor('float32', v, dims);
    }
    const out = await this.#session.run(feeds);
    const loss = (out[TRAIN_IO.loss].data as Float32Array)[0];
    // A non-finite loss means the update is poisoned: keep the previous weights and say so.
    if (!Number.isFinite(loss))
      throw new Error(`trainer: loss is ${loss} at step ${step}; weights left at step ${this.#step}`);
    for (const s of this.#specs) {
      const next: [Float32Array, Float32Array, Float32Array] = [
        out[TRAIN_IO.paramOut(s.name)].data as Float32Array,
        out[TRAIN_IO.mOut(s.name)].data as Float32Array,
        out[TRAIN_IO.vOut(s.name)].data as Float32Array,
      ];
      this.#state.set(s.name, next);
      this.#model.weights.set(s.name, next[0]);
    }
    this.#step = step;
    const dims = out[TRAIN_IO.tokenLogp].dims;
    return {
      loss,
      tokenLogp: out[TRAIN_IO.tokenLogp].data as Float32Array,
      tokenWeight: out[TRAIN_IO.tokenWeight].data as Float32Array,
      dims: [dims[0], dims[1]],
      gradNorm: (out[TRAIN_IO.gradNorm].data as Float32Array)[0],
      lr: (out[TRAIN_IO.lrUsed].data as Float32Array)[0],
      step,
    };
  }

  /** A copy of the current weights. */
  weights(): Weights {
    return new Map([...this.#model.weights].map(([k, v]) => [k, Float32Array.from(v)]));
  }

  /** Saves the current model as an immutable version directory (see `saveVersion`). */
  save(versionDir: string, opts: SaveVersionOptions): VersionManifest {
    return saveVersion(versionDir, this.#model, {
      ...opts,
      metrics: { steps: this.#step, provider: this.provider, ...opts.metrics },
    });
  }

  /** Frees the ORT session. */
  async release(): Promise<void> {
    await this.#session.release();
  }
}

export type { Weights };
