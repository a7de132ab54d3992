/**
 * A retrieval probe used as a judge of captions: a trained dual encoder saved to a directory
 * (config, tokenizer, weights, content hash), loaded to embed clips' frames and candidate captions
 * into one space. How well a caption fits its clip, relative to other clips, is the evidence the
 * refine round chooses captions by — a model of its own, trained apart from the captioner, so it
 * can disagree with the captions the captioner writes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Device } from '../device.js';
import { CaptionTokenizer } from '../tokenizer.js';
import { type ProbeConfig, validateProbeConfig } from './config.js';
import { LOG_SCALE, probeParamSpecs, type Weights } from './params.js';
import { ProbeRuntime } from './runtime.js';
import { publishDirSync } from '../publish-dir.js';

/** Format tag of a saved judge directory. */
export const JUDGE_FORMAT = 'flywheel-judge/1';

/** What a judge directory's `judge.json` holds. */
export interface JudgeManifest {
  readonly format: string;
  readonly config: ProbeConfig;
  /** sha256 of the weights, tokenizer and config: equal judges have equal hashes. */
  readonly contentHash: string;
  /** What it was trained on (the caller's id) and how training went. */
  readonly trainingDataId: string;
  readonly metrics: Readonly<Record<string, number | string>>;
}

function weightBytes(cfg: ProbeConfig, w: Weights): Uint8Array {
  const specs = probeParamSpecs(cfg);
  const total = specs.reduce((n, s) => n + (w.get(s.name)?.length ?? 0), 0);
  const out = new Float32Array(total);
  let at = 0;
  for (const s of specs) {
    const v = w.get(s.name);
    if (!v) throw new Error(`judge: weights have no ${s.name}`);
    out.set(v, at);
    at += v.length;
  }
  return new Uint8Array(out.buffer);
}

/** Saves a trained probe as an immutable judge directory (temp dir + rename). */
export function saveJudge(
  dir: string,
  j: {
    config: ProbeConfig;
    tokenizer: CaptionTokenizer;
    weights: Weights;
    trainingDataId: string;
    metrics?: Record<string, number | string>;
  },
): JudgeManifest {
  if (existsSync(dir)) throw new Error(`saveJudge: ${dir} already exists; judges are immutable`);
  const weights = weightBytes(j.config, j.weights);
  const tok = j.tokenizer.toJSON();
  const contentHash = createHash('sha256').update(JSON.stringify(j.config)).update(tok).update(weights).digest('hex');
  const manifest: JudgeManifest = {
    format: JUDGE_FORMAT,
    config: j.config,
    contentHash,
    trainingDataId: j.trainingDataId,
    metrics: j.metrics ?? {},
  };
  publishDirSync(dir, {
    'weights.bin': weights,
    'tokenizer.json': tok,
    'judge.json': `${JSON.stringify(manifest, null, 2)}\n`,
  });
  return manifest;
}

/** A judge directory's files, read and checked without opening any graph (a warm start needs only these). */
export interface JudgeFiles {
  readonly manifest: JudgeManifest;
  readonly weights: Weights;
  readonly tokenizer: CaptionTokenizer;
}

function readJudgeFile(dir: string, f: string): Buffer {
  try {
    return readFileSync(join(dir, f));
  } catch (e) {
    throw new Error(`judge ${dir}: cannot read ${f} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      cause: e,
    });
  }
}

/** A judge directory's `judge.json` alone, checked (no weights read): what the judge is and how it was trained. */
export function readJudgeManifest(dir: string): JudgeManifest {
  let manifest: JudgeManifest;
  try {
    manifest = JSON.parse(readJudgeFile(dir, 'judge.json').toString('utf8')) as JudgeManifest;
  } catch (e) {
    if ((e as Error).message.startsWith(`judge ${dir}`)) throw e;
    throw new Error(`judge ${dir}: judge.json is not JSON (${(e as Error).message})`, { cause: e });
  }
  if (manifest.format !== JUDGE_FORMAT)
    throw new Error(`judge ${dir}: format ${JSON.stringify(manifest.format)} is not ${JUDGE_FORMAT}`);
  try {
    validateProbeConfig(manifest.config);
  } catch (e) {
    throw new Error(`judge ${dir}: judge.json: ${(e as Error).message}`, { cause: e });
  }
  return manifest;
}

/** Reads a judge directory; a missing or foreign file is a clear error naming the directory and file. */
export function readJudge(dir: string): JudgeFiles {
  const read = (f: string): Buffer => readJudgeFile(dir, f);
  const manifest = readJudgeManifest(dir);
  const bytes = read('weights.bin');
  if (bytes.byteLength % 4 !== 0)
    throw new Error(
      `judge ${dir}: weights.bin has ${bytes.byteLength} bytes, not a whole number of float32 values (a partial copy?)`,
    );
  const flat = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const weights: Weights = new Map();
  let at = 0;
  for (const s of probeParamSpecs(manifest.config)) {
    const n = s.shape.reduce((a: number, b: number) => a * b, 1);
    if (at + n > flat.length) throw new Error(`judge ${dir}: weights.bin is too short for ${s.name}`);
    weights.set(s.name, flat.slice(at, at + n));
    at += n;
  }
  if (at !== flat.length) throw new Error(`judge ${dir}: weights.bin has ${flat.length - at} values too many`);
  let tok: CaptionTokenizer;
  try {
    tok = CaptionTokenizer.fromJSON(read('tokenizer.json').toString('utf8'));
  } catch (e) {
    if ((e as Error).message.startsWith(`judge ${dir}`)) throw e;
    throw new Error(`judge ${dir}: tokenizer.json cannot be read as a tokenizer (${(e as Error).message})`, {
      cause: e,
    });
  }
  return { manifest, weights, tokenizer: tok };
}

/** A loaded judge: embeds frames and captions, and knows its learned logit scale. */
export class Judge {
  readonly #runtime: ProbeRuntime;
  readonly #weights: Weights;
  readonly #tok: CaptionTokenizer;
  /** What the directory says about itself. */
  readonly manifest: JudgeManifest;

  private constructor(runtime: ProbeRuntime, weights: Weights, tok: CaptionTokenizer, manifest: JudgeManifest) {
    this.#runtime = runtime;
    this.#weights = weights;
    this.#tok = tok;
    this.manifest = manifest;
  }

  /** Loads a judge directory and opens its graphs on `device`; a missing or foreign file is a clear error. */
  static async load(dir: string, device: Device): Promise<Judge> {
    const { manifest, weights, tokenizer } = readJudge(dir);
    return new Judge(await ProbeRuntime.open(manifest.config, device), weights, tokenizer, manifest);
  }

  /** The probe's frame geometry. */
  get config(): ProbeConfig {
    return this.#runtime.config;
  }

  /** The learned logit scale exp(min(s, max)): how sharply the judge separates clips. */
  get scale(): number {
    const s = (this.#weights.get(LOG_SCALE) as Float32Array)[0];
    return Math.exp(Math.min(s, this.config.maxLogScale));
  }

  /** L2-normalised embeddings (B×d) of B clips' frames. */
  embedVideos(frames: Uint8Array, count: number): Promise<Float32Array> {
    return this.#runtime.embedVideos(this.#weights, frames, count);
  }

  /** L2-normalised embeddings (n×d) of captions. */
  async embedTexts(texts: readonly string[]): Promise<Float32Array> {
    if (texts.length === 0) return new Float32Array(0);
    return this.#runtime.embedTexts(this.#weights, await this.#tok.encodeBatch(texts));
  }

  /** Frees the sessions. */
  async release(): Promise<void> {
    await this.#runtime.release();
  }
}
