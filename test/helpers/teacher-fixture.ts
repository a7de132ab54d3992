/**
 * A tiny pretrained-captioner folder in the transformers.js / optimum layout, built by code (nothing
 * downloaded, nothing committed): a ViT-shaped encoder and a GPT-2-shaped merged decoder with a real
 * key/value cache, a WordPiece tokenizer and the config files. Its captions are deterministic and
 * depend on the image: a bright frame reads "a cat and a dog", a dark one "a dog and a cat". The
 * second noun is only right when the cache is threaded through generation (the decoder penalises
 * nouns it has already seen in the cache), so a broken cache path shows up as a wrong caption.
 *
 * Fault options write the same folder with one thing wrong (a renamed input, a foreign
 * architecture) so the loader's checks can be tested.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Graph, type Tensor } from '../../models/graph/graph.js';
import * as o from '../../models/graph/ops.js';
import { serialize } from '../../models/graph/serialize.js';

/** The fixture's vocabulary, in id order (id 0 is BOS, EOS, PAD and the decoder start token). */
export const TEACHER_VOCAB = ['<eos>', '[UNK]', 'a', 'cat', 'dog', 'and'] as const;

/** Side of the square the preprocessor resizes frames to. */
export const TEACHER_IMAGE_SIZE = 4;

/** The caption the fixture writes for a bright (mean pixel > 127.5) frame. */
export const BRIGHT_CAPTION = 'a cat and a dog';
/** The caption the fixture writes for a dark frame. */
export const DARK_CAPTION = 'a dog and a cat';

/** What to write wrong, for the loader's error tests. */
export interface TeacherFixtureFaults {
  /** Name of the encoder's image input (right: `pixel_values`). */
  readonly encoderInput?: string;
  /** Name of the decoder's token input (right: `input_ids`). */
  readonly decoderTokenInput?: string;
  /** `config.json`'s `model_type` (right: `vision-encoder-decoder`). */
  readonly modelType?: string;
  /** The decoder sub-config's `model_type` (right: `gpt2`). */
  readonly decoderType?: string;
}

const V = TEACHER_VOCAB.length;
const id = (w: (typeof TEACHER_VOCAB)[number]): number => TEACHER_VOCAB.indexOf(w);

/** The encoder: pixel_values [B,3,S,S] → last_hidden_state [B,1,1], the frame's mean normalised pixel. */
export function teacherEncoder(inputName = 'pixel_values'): Uint8Array {
  const g = new Graph('teacher_encoder');
  const px = g.input(inputName, 'float32', ['batch_size', 3, 'height', 'width']);
  const mean = o.reduceMean(px, [1, 2, 3]);
  g.output(o.reshape(mean, [-1, 1, 1]), 'last_hidden_state');
  return serialize(g, { doc: 'flywheel test teacher encoder' });
}

/** Transition scores: row = previous token, column = next token. */
function transitions(): { base: number[]; bright: number[]; penalty: number[] } {
  const base = new Array<number>(V * V).fill(0);
  const bright = new Array<number>(V * V).fill(0);
  const set = (m: number[], from: number, to: number, v: number): void => void (m[from * V + to] = v);
  set(base, id('<eos>'), id('a'), 5);
  set(base, id('a'), id('cat'), 5);
  set(base, id('a'), id('dog'), 5);
  set(bright, id('a'), id('cat'), 2);
  set(bright, id('a'), id('dog'), -2);
  for (const noun of [id('cat'), id('dog')]) {
    set(base, noun, id('and'), 5);
    set(base, noun, id('<eos>'), 4);
  }
  set(base, id('and'), id('a'), 5);
  set(base, id('[UNK]'), id('<eos>'), 5);
  const penalty = new Array<number>(V).fill(0);
  for (const w of [id('cat'), id('dog'), id('and')]) penalty[w] = 10;
  return { base, bright, penalty };
}

/**
 * The merged decoder (optimum's names): input_ids, encoder_hidden_states, past_key_values.0.key/value
 * ([B,1,past,V]: one-hot tokens seen so far) and use_cache_branch → logits and present.0.key/value.
 * logits = base[prev] + brightness · bright[prev] − penalty · (times the token was seen, cache included).
 */
export function teacherDecoder(tokenInput = 'input_ids'): Uint8Array {
  const g = new Graph('teacher_decoder');
  const ids = g.input(tokenInput, 'int64', ['batch_size', 'decoder_sequence_length']);
  const enc = g.input('encoder_hidden_states', 'float32', ['batch_size', 'encoder_sequence_length', 1]);
  const pastShape = ['batch_size', 1, 'past_decoder_sequence_length', V] as const;
  const pastK = g.input('past_key_values.0.key', 'float32', pastShape);
  const pastV = g.input('past_key_values.0.value', 'float32', pastShape);
  const useCache = g.input('use_cache_branch', 'bool', [1]);

  const eye = Array.from({ length: V * V }, (_, i) => (i % (V + 1) === 0 ? 1 : 0));
  const onehot = o.gather(o.constant(g, 'float32', [V, V], eye), ids);
  const kvNew = o.unsqueeze(onehot, [1]);
  g.output(o.concat([pastK, kvNew], 2), 'present.0.key');
  const presentV = o.concat([pastV, kvNew], 2);
  g.output(presentV, 'present.0.value');

  const cached = o.mul(o.reduceSum(pastV, [1, 2], true), o.cast(useCache, 'float32'));
  const cum = g.node('CumSum', [onehot, o.constant(g, 'int64', [], [1])], [{ dtype: 'float32', shape: onehot.shape }]);
  const seen = o.add(o.reshape(cached, [0, 1, V]), cum[0]);

  const t = transitions();
  const table = (vals: number[]): Tensor => o.constant(g, 'float32', [V, V], vals);
  const brightness = o.reduceMean(enc, [1, 2], true);
  const scores = o.add(o.gather(table(t.base), ids), o.mul(brightness, o.gather(table(t.bright), ids)));
  const logits = o.sub(scores, o.mul(seen, o.constant(g, 'float32', [V], t.penalty)));
  g.output(logits, 'logits');
  return serialize(g, { doc: 'flywheel test teacher decoder (merged, with past)' });
}

function tokenizerJson(): object {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 0, content: '<eos>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(TEACHER_VOCAB.map((w, i) => [w, i])),
    },
  };
}

function modelConfig(f: TeacherFixtureFaults): object {
  return {
    architectures: ['VisionEncoderDecoderModel'],
    model_type: f.modelType ?? 'vision-encoder-decoder',
    is_encoder_decoder: true,
    decoder_start_token_id: 0,
    pad_token_id: 0,
    eos_token_id: 0,
    encoder: { model_type: 'vit', hidden_size: 1, image_size: TEACHER_IMAGE_SIZE, num_channels: 3 },
    decoder: {
      model_type: f.decoderType ?? 'gpt2',
      n_layer: 1,
      n_head: 1,
      n_embd: V,
      vocab_size: V,
      add_cross_attention: true,
      is_decoder: true,
      bos_token_id: 0,
      eos_token_id: 0,
    },
  };
}

/** Writes the fixture folder at `dir` (created if needed), optionally with one fault. */
export async function writeTeacherFixture(dir: string, faults: TeacherFixtureFaults = {}): Promise<void> {
  await mkdir(join(dir, 'onnx'), { recursive: true });
  const json = (name: string, v: object): Promise<void> => writeFile(join(dir, name), JSON.stringify(v, null, 2));
  await json('config.json', modelConfig(faults));
  await json('generation_config.json', {
    decoder_start_token_id: 0,
    bos_token_id: 0,
    eos_token_id: 0,
    pad_token_id: 0,
    max_length: 16,
  });
  await json('preprocessor_config.json', {
    image_processor_type: 'ViTImageProcessor',
    do_resize: true,
    size: { height: TEACHER_IMAGE_SIZE, width: TEACHER_IMAGE_SIZE },
    resample: 2,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.5, 0.5, 0.5],
    image_std: [0.5, 0.5, 0.5],
  });
  await json('tokenizer.json', tokenizerJson());
  await json('tokenizer_config.json', {
    tokenizer_class: 'PreTrainedTokenizer',
    bos_token: '<eos>',
    eos_token: '<eos>',
    pad_token: '<eos>',
    unk_token: '[UNK]',
    model_max_length: 64,
  });
  await writeFile(join(dir, 'onnx', 'encoder_model.onnx'), teacherEncoder(faults.encoderInput));
  await writeFile(join(dir, 'onnx', 'decoder_model_merged.onnx'), teacherDecoder(faults.decoderTokenInput));
}
