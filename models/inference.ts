/**
 * `Captioner`: the inference face of a model — batched caption generation
 * (greedy/beam) and teacher-forced scoring of given captions (the AdaTaiLr
 * filter's input), running the exported encoder/decoder/score ONNX graphs.
 */
import * as ort from 'onnxruntime-node';
import { captionRows, type CaptionBatch, encoderFeeds, padIds, type TextInput, toIds } from './batch.js';
import { type CaptionerConfig } from './captioner/config.js';
import { exportGraphs, INFER_IO } from './captioner/inference-graphs.js';
import { type Device, type ProviderName } from './device.js';
import { type GenerateOptions, search } from './generate.js';
import { type CaptionerModel } from './model.js';
import { type CaptionTokenizer } from './tokenizer.js';
import { loadVersion } from './version.js';

/** Generated captions of a batch, one entry per clip. */
export interface GenerateResult {
  /** Caption token ids (no bos/eos). */
  readonly ids: number[][];
  /** Decoded caption text. */
  readonly text: string[];
  /** log p of each generated token, aligned with `ids`. */
  readonly tokenLogp: number[][];
  /** Σ log p per caption including eos (when reached). */
  readonly totalLogp: number[];
}

/** Per-token log p of given captions: each row covers the caption tokens then eos. */
export interface ScoreResult {
  readonly tokenLogp: number[][];
  /** Caption token ids scored (truncated to the model's maxCaptionLen − 2), without bos/eos. */
  readonly ids: number[][];
}

/** ONNX model bytes or file paths for the three inference graphs. */
export interface InferenceGraphs {
  readonly encoder: Uint8Array | string;
  readonly decoderStep: Uint8Array | string;
  readonly score: Uint8Array | string;
}

/** Runs a captioner's inference graphs on a device. */
export class Captioner {
  readonly #cfg: CaptionerConfig;
  readonly #tok: CaptionTokenizer;
  readonly #enc: ort.InferenceSession;
  readonly #dec: ort.InferenceSession;
  readonly #score: ort.InferenceSession;
  /** Provider the sessions run on (record it in run metadata). */
  readonly provider: ProviderName;

  private constructor(
    cfg: CaptionerConfig,
    tok: CaptionTokenizer,
    s: [ort.InferenceSession, ort.InferenceSession, ort.InferenceSession],
    provider: ProviderName,
  ) {
    this.#cfg = cfg;
    this.#tok = tok;
    [this.#enc, this.#dec, this.#score] = s;
    this.provider = provider;
  }

  /** Opens sessions for given graphs (used by `load` and `fromModel`). */
  static async open(
    cfg: CaptionerConfig,
    tok: CaptionTokenizer,
    graphs: InferenceGraphs,
    device: Device,
  ): Promise<Captioner> {
    const enc = await device.session(graphs.encoder, 'captioner encoder');
    const dec = await device.session(graphs.decoderStep, 'captioner decoder step');
    const sc = await device.session(graphs.score, 'captioner score');
    return new Captioner(cfg, tok, [enc.session, dec.session, sc.session], sc.provider);
  }

  /** Exports the inference graphs of an in-memory model and opens them. */
  static async fromModel(model: CaptionerModel, device: Device): Promise<Captioner> {
    return Captioner.open(model.config, model.tokenizer, exportGraphs(model.config, model.weights), device);
  }

  /** Loads a saved model version directory (verified against its manifest). */
  static async load(dir: string, device: Device): Promise<Captioner> {
    const v = await loadVersion(dir);
    return Captioner.open(v.config, v.tokenizer, v.graphs, device);
  }

  /** The architecture config (frame geometry the pipeline must produce). */
  get config(): CaptionerConfig {
    return this.#cfg;
  }

  /** Generates captions for a batch (greedy when beams = 1; sampled, one seed per clip, when temperature > 0). */
  async generate(batch: CaptionBatch, opts: GenerateOptions = {}): Promise<GenerateResult> {
    const maxLen = opts.maxLen ?? this.#cfg.maxCaptionLen - 1;
    const beams = opts.beams ?? 1;
    if (!Number.isInteger(maxLen) || maxLen < 1 || maxLen > this.#cfg.maxCaptionLen - 1) {
      throw new Error(`generate: maxLen must be an integer in [1, ${this.#cfg.maxCaptionLen - 1}], got ${maxLen}`);
    }
    if (!Number.isInteger(beams) || beams < 1)
      throw new Error(`generate: beams must be a positive integer, got ${beams}`);
    const temperature = opts.temperature ?? 0;
    if (!(Number.isFinite(temperature) && temperature >= 0))
      throw new Error(`generate: temperature must be a finite number ≥ 0, got ${temperature}`);
    const { frames, textIds, size } = await encoderFeeds(this.#cfg, this.#tok, batch);
    const enc = await this.#enc.run({ [INFER_IO.frames]: frames, [INFER_IO.textIds]: textIds });
    const bias = enc[INFER_IO.memoryBias];
    const L = this.#cfg.decLayers;
    const h = this.#cfg.heads;
    const dh = this.#cfg.dModel / h;
    const V = this.#cfg.vocabSize;
    // Gathers rows of a [B, ...] tensor into an [R, ...] tensor (rows given by index).
    const rows = (t: ort.Tensor, idx: readonly number[]): ort.Tensor => {
      const src = t.data as Float32Array;
      const per = src.length / t.dims[0];
      const dst = new Float32Array(idx.length * per);
      idx.forEach((c, r) => dst.set(src.subarray(c * per, (c + 1) * per), r * per));
      return new ort.Tensor('float32', dst, [idx.length, ...t.dims.slice(1)]);
    };
    // Self-attention KV cache of the previous call's rows, per layer.
    let cache: { k: ort.Tensor; v: ort.Tensor }[] = [];
    const next = async (
      prefixes: readonly (readonly number[])[],
      clip: readonly number[],
      parent: readonly number[] | null,
    ): Promise<Float32Array> => {
      const R = prefixes.length;
      const t = prefixes[0].length - 1;
      const feeds: Record<string, ort.Tensor> = {
        [INFER_IO.memoryBias]: rows(bias, clip),
        [INFER_IO.token]: new ort.Tensor(
          'int64',
          BigInt64Array.from(prefixes, (p) => BigInt(p[t])),
          [R, 1],
        ),
        [INFER_IO.position]: new ort.Tensor('int64', BigInt64Array.from([BigInt(t)]), [1]),
      };
      for (let i = 0; i < L; i++) {
        feeds[INFER_IO.crossK(i)] = rows(enc[INFER_IO.crossK(i)], clip);
        feeds[INFER_IO.crossV(i)] = rows(enc[INFER_IO.crossV(i)], clip);
        feeds[INFER_IO.pastK(i)] = parent
          ? rows(cache[i].k, parent)
          : new ort.Tensor('float32', new Float32Array(0), [R, h, dh, 0]);
        feeds[INFER_IO.pastV(i)] = parent
          ? rows(cache[i].v, parent)
          : new ort.Tensor('float32', new Float32Array(0), [R, h, 0, dh]);
      }
      const out = await this.#dec.run(feeds);
      cache = Array.from({ length: L }, (_, i) => ({ k: out[INFER_IO.presentK(i)], v: out[INFER_IO.presentV(i)] }));
      return out[INFER_IO.logpLast].data as Float32Array;
    };
    const gen = await search(next, size, V, {
      maxLen,
      beams,
      lengthPenalty: opts.lengthPenalty ?? 1,
      temperature,
      seeds: opts.seeds,
    });
    const ids = gen.map((g) => g.ids);
    return {
      ids,
      text: await this.#tok.decodeBatch(ids),
      tokenLogp: gen.map((g) => g.tokenLogp),
      totalLogp: gen.map((g) => g.totalLogp),
    };
  }

  /** Teacher-forced per-token log p of `captions` (strings or ids) given the batch's frames and text. */
  async score(batch: CaptionBatch, captions: TextInput): Promise<ScoreResult> {
    const { frames, textIds, size } = await encoderFeeds(this.#cfg, this.#tok, batch);
    if (captions.length !== size) throw new Error(`score: ${captions.length} captions for ${size} clips`);
    const rows = captionRows(this.#cfg, await toIds(this.#tok, captions));
    const out = await this.#score.run({
      [INFER_IO.frames]: frames,
      [INFER_IO.textIds]: textIds,
      [INFER_IO.captionIds]: padIds(rows, 2),
    });
    const lp = out[INFER_IO.tokenLogp].data as Float32Array;
    const L = out[INFER_IO.tokenLogp].dims[1];
    return {
      tokenLogp: rows.map((r, b) => Array.from(lp.subarray(b * L, b * L + r.length - 1))),
      ids: rows.map((r) => r.slice(1, -1)),
    };
  }

  /** Frees the sessions. */
  async release(): Promise<void> {
    await Promise.all([this.#enc.release(), this.#dec.release(), this.#score.release()]);
  }
}
