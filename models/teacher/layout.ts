/**
 * The teacher folder's layout, checked before anything is loaded: every file transformers.js reads
 * is present, and `config.json` names an architecture the image-to-text path can run — a
 * vision-encoder-decoder whose decoder's key/value cache layout transformers.js knows. Each failure
 * is one error naming the folder and the missing or wrong thing, so a bad folder stops the job at
 * load instead of inside a shard.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PretrainedConfig } from '@huggingface/transformers';

/** The files a teacher folder must hold, relative to it (optimum's export writes all of them). */
export const TEACHER_FILES = [
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/encoder_model.onnx',
  'onnx/decoder_model_merged.onnx',
] as const;

/** The only `model_type` the teacher runs: transformers.js's encoder + merged-decoder image-to-text models. */
export const TEACHER_MODEL_TYPE = 'vision-encoder-decoder';

/** What the folder check learnt: the cache inputs the merged decoder must take. */
export interface TeacherLayout {
  /** Absolute folder path. */
  readonly dir: string;
  /** The decoder's `model_type` (e.g. `gpt2`, `trocr`). */
  readonly decoderType: string;
  /** Names of the decoder's cache inputs (`past_key_values.…`), as transformers.js will feed them. */
  readonly cacheInputs: readonly string[];
}

/** The error every check throws: the folder first, then what is wrong (keeping the underlying error as its cause). */
export function teacherError(dir: string, what: string, cause?: unknown): Error {
  return new Error(`teacher model ${dir}: ${what} (see docs/formats/teacher.md)`, cause === undefined ? {} : { cause });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function readJson(dir: string, name: string): Promise<Record<string, unknown>> {
  const text = await readFile(join(dir, name), 'utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw teacherError(dir, `${name} is not valid JSON (${(e as Error).message})`, e);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw teacherError(dir, `${name} is not a JSON object`);
  return v as Record<string, unknown>;
}

/**
 * The cache input names transformers.js derives from a config (the same rule as its own
 * `getKeyValueNames`), or null when it knows no cache layout for the decoder.
 */
function cacheInputNames(config: Record<string, unknown>): string[] | null {
  const n = new PretrainedConfig(config).normalized_config as Record<string, unknown>;
  const count = (k: string): number | null => (typeof n[k] === 'number' && n[k] > 0 ? n[k] : null);
  const names: string[] = [];
  const decoderLayers = count('num_decoder_layers');
  const layers = count('num_layers');
  if (decoderLayers !== null && count('num_encoder_heads') !== null) {
    for (let i = 0; i < decoderLayers; i++)
      for (const part of ['decoder', 'encoder'])
        names.push(`past_key_values.${i}.${part}.key`, `past_key_values.${i}.${part}.value`);
  } else if (layers !== null && n.multi_query === true) {
    for (let i = 0; i < layers; i++) names.push(`past_key_values.${i}.key_value`);
  } else if (layers !== null) {
    for (let i = 0; i < layers; i++) names.push(`past_key_values.${i}.key`, `past_key_values.${i}.value`);
  } else return null;
  return names;
}

/** Checks the folder's files and architecture; throws a {@link teacherError} on the first problem. */
export async function checkTeacherLayout(dir: string): Promise<TeacherLayout> {
  try {
    if (!(await stat(dir)).isDirectory()) throw teacherError(dir, 'is not a folder');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw teacherError(dir, 'folder does not exist');
    throw e;
  }
  const missing: string[] = [];
  for (const f of TEACHER_FILES) if (!(await isFile(join(dir, f)))) missing.push(f);
  if (missing.length > 0) throw teacherError(dir, `missing ${missing.join(', ')}`);

  const config = await readJson(dir, 'config.json');
  for (const f of ['generation_config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'])
    await readJson(dir, f);
  const type = config.model_type;
  if (type !== TEACHER_MODEL_TYPE)
    throw teacherError(
      dir,
      `unsupported architecture: config.json model_type is ${JSON.stringify(type)}, the teacher runs ${JSON.stringify(TEACHER_MODEL_TYPE)} image-to-text models`,
    );
  const decoder = config.decoder;
  const decoderType =
    typeof decoder === 'object' && decoder !== null ? (decoder as Record<string, unknown>).model_type : undefined;
  if (typeof decoderType !== 'string')
    throw teacherError(dir, 'unsupported architecture: config.json has no decoder.model_type');
  const cacheInputs = cacheInputNames(config);
  if (cacheInputs === null)
    throw teacherError(
      dir,
      `unsupported architecture: decoder model_type ${JSON.stringify(decoderType)} has no key/value cache layout in @huggingface/transformers`,
    );
  return { dir, decoderType, cacheInputs };
}
