/**
 * Model versions on disk: one directory holding the exported ONNX graphs,
 * tokenizer.json, config.json, metrics.json, the raw weights (to continue
 * training) and manifest.json with the sha256 of every file, the id of the
 * training data and a content hash over all of it. Loading verifies the
 * manifest and fails with an error that names the offending file.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CaptionerConfig, validateConfig } from './captioner/config.js';
import { exportGraphs, GRAPH_FILES } from './captioner/inference-graphs.js';
import { paramSpecs, type Weights } from './captioner/params.js';
import { type CaptionerModel } from './model.js';
import { CaptionTokenizer } from './tokenizer.js';
import { publishDirSync } from './publish-dir.js';

/** Manifest format tag; bump when the layout changes. */
export const VERSION_FORMAT = 'flywheel-model-version/1';

/** File names inside a version directory. */
export const VERSION_FILES = {
  manifest: 'manifest.json',
  config: 'config.json',
  tokenizer: 'tokenizer.json',
  metrics: 'metrics.json',
  weights: 'weights.bin',
  ...GRAPH_FILES,
} as const;

/** Training metrics stored with a version (free-form numbers and strings). */
export type VersionMetrics = Readonly<Record<string, number | string | boolean | null>>;

/** manifest.json contents. */
export interface VersionManifest {
  readonly format: string;
  /** Id of the dataset (e.g. refined-table hash) the model was trained on. */
  readonly trainingDataId: string;
  readonly createdAt: string;
  /** sha256 (hex) of every other file in the directory. */
  readonly files: Readonly<Record<string, string>>;
  /** sha256 over the sorted "name sha256" lines: the version's identity. */
  readonly contentHash: string;
}

/** A loaded, verified version. */
export interface LoadedVersion {
  readonly dir: string;
  readonly manifest: VersionManifest;
  readonly config: CaptionerConfig;
  readonly tokenizer: CaptionTokenizer;
  readonly metrics: VersionMetrics;
  /** Paths of the ONNX graphs. */
  readonly graphs: {
    readonly encoder: string;
    readonly decoder: string;
    readonly decoderStep: string;
    readonly score: string;
  };
  /** Reads the float32 weights (for continued training). */
  readonly readWeights: () => Weights;
  /** The model (config + tokenizer + weights) for continued training. */
  readonly model: () => CaptionerModel;
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function contentHash(files: Readonly<Record<string, string>>): string {
  return sha256(
    Object.keys(files)
      .sort()
      .map((k) => `${k} ${files[k]}\n`)
      .join(''),
  );
}

function weightsBytes(cfg: CaptionerConfig, w: Weights): Uint8Array {
  const specs = paramSpecs(cfg);
  const total = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  const out = new Float32Array(total);
  let off = 0;
  for (const s of specs) {
    const d = w.get(s.name);
    if (!d) throw new Error(`saveVersion: weights lack ${s.name}`);
    out.set(d, off);
    off += d.length;
  }
  return new Uint8Array(out.buffer);
}

/** Options for saving. */
export interface SaveVersionOptions {
  /** Id of the training data (required: lineage). */
  readonly trainingDataId: string;
  /** Training metrics to store. Default {}. */
  readonly metrics?: VersionMetrics;
}

/**
 * Writes a version directory atomically (fsynced temp dir + rename). Refuses to
 * overwrite an existing directory. Returns the manifest.
 */
export function saveVersion(dir: string, model: CaptionerModel, opts: SaveVersionOptions): VersionManifest {
  if (!opts.trainingDataId) throw new Error('saveVersion: trainingDataId is required (got an empty value)');
  if (existsSync(dir)) throw new Error(`saveVersion: ${dir} already exists; versions are immutable`);
  const graphs = exportGraphs(model.config, model.weights);
  const contents: Record<string, Uint8Array | string> = {
    [VERSION_FILES.config]: JSON.stringify({ format: VERSION_FORMAT, config: model.config }, null, 2),
    [VERSION_FILES.tokenizer]: model.tokenizer.toJSON(),
    [VERSION_FILES.metrics]: JSON.stringify(opts.metrics ?? {}, null, 2),
    [VERSION_FILES.weights]: weightsBytes(model.config, model.weights),
    [VERSION_FILES.encoder]: graphs.encoder,
    [VERSION_FILES.decoder]: graphs.decoder,
    [VERSION_FILES.decoderStep]: graphs.decoderStep,
    [VERSION_FILES.score]: graphs.score,
  };
  const files: Record<string, string> = {};
  for (const [k, v] of Object.entries(contents)) files[k] = sha256(v);
  const manifest: VersionManifest = {
    format: VERSION_FORMAT,
    trainingDataId: opts.trainingDataId,
    createdAt: new Date().toISOString(),
    files,
    contentHash: contentHash(files),
  };
  publishDirSync(dir, { ...contents, [VERSION_FILES.manifest]: JSON.stringify(manifest, null, 2) });
  return manifest;
}

function fail(dir: string, file: string, why: string): never {
  throw new Error(`model version ${dir}: ${file} ${why}`);
}

/** Loads and verifies a version directory; every error names the file at fault. */
export async function loadVersion(dir: string): Promise<LoadedVersion> {
  const mpath = join(dir, VERSION_FILES.manifest);
  if (!existsSync(mpath)) fail(dir, VERSION_FILES.manifest, 'is missing (not a model version directory?)');
  let manifest: VersionManifest;
  try {
    manifest = JSON.parse(await readFile(mpath, 'utf8')) as VersionManifest;
  } catch (e) {
    fail(dir, VERSION_FILES.manifest, `is not valid JSON (${(e as Error).message})`);
  }
  if (manifest.format !== VERSION_FORMAT)
    fail(dir, VERSION_FILES.manifest, `has format ${JSON.stringify(manifest.format)}, expected ${VERSION_FORMAT}`);
  if (!manifest.files || typeof manifest.files !== 'object') fail(dir, VERSION_FILES.manifest, 'has no files table');
  if (contentHash(manifest.files) !== manifest.contentHash)
    fail(dir, VERSION_FILES.manifest, 'content hash does not match its file table (manifest edited?)');
  const required = Object.values(VERSION_FILES).filter((f) => f !== VERSION_FILES.manifest);
  for (const f of required) if (!(f in manifest.files)) fail(dir, f, 'is not listed in manifest.json');
  const bytes = new Map<string, Buffer>();
  for (const f of Object.keys(manifest.files)) {
    const p = join(dir, f);
    if (!existsSync(p)) fail(dir, f, 'is missing');
    const b = readFileSync(p);
    const h = sha256(b);
    if (h !== manifest.files[f])
      fail(
        dir,
        f,
        `is corrupt or was modified (sha256 ${h.slice(0, 12)}…, manifest says ${manifest.files[f].slice(0, 12)}…)`,
      );
    bytes.set(f, b);
  }
  const text = (f: string): string => bytes.get(f)!.toString('utf8');
  let config: CaptionerConfig;
  try {
    const c = JSON.parse(text(VERSION_FILES.config)) as { format?: string; config?: CaptionerConfig };
    if (!c.config) throw new Error('no "config" field');
    config = c.config;
    validateConfig(config);
  } catch (e) {
    fail(dir, VERSION_FILES.config, `is invalid: ${(e as Error).message}`);
  }
  let tokenizer: CaptionTokenizer;
  try {
    tokenizer = CaptionTokenizer.fromJSON(text(VERSION_FILES.tokenizer));
  } catch (e) {
    fail(dir, VERSION_FILES.tokenizer, `cannot be loaded: ${(e as Error).message}`);
  }
  if (tokenizer.vocabSize !== config.vocabSize)
    fail(
      dir,
      VERSION_FILES.tokenizer,
      `has ${tokenizer.vocabSize} tokens but config.json says vocabSize ${config.vocabSize}`,
    );
  const specs = paramSpecs(config);
  const wbuf = bytes.get(VERSION_FILES.weights)!;
  const expected = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0) * 4;
  if (wbuf.length !== expected)
    fail(dir, VERSION_FILES.weights, `has ${wbuf.length} bytes, config.json implies ${expected}`);
  const metrics = JSON.parse(text(VERSION_FILES.metrics)) as VersionMetrics;
  const readWeights = (): Weights => {
    const all = new Float32Array(wbuf.buffer.slice(wbuf.byteOffset, wbuf.byteOffset + wbuf.length));
    const w: Weights = new Map();
    let off = 0;
    for (const s of specs) {
      const n = s.shape.reduce((x, y) => x * y, 1);
      w.set(s.name, all.slice(off, off + n));
      off += n;
    }
    return w;
  };
  return {
    dir,
    manifest,
    config,
    tokenizer,
    metrics,
    graphs: {
      encoder: join(dir, VERSION_FILES.encoder),
      decoder: join(dir, VERSION_FILES.decoder),
      decoderStep: join(dir, VERSION_FILES.decoderStep),
      score: join(dir, VERSION_FILES.score),
    },
    readWeights,
    model: () => ({ config, tokenizer, weights: readWeights() }),
  };
}
