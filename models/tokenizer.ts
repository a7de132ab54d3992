/**
 * Subword (BPE) tokenizer trained on corpus text with the `tokenizers`
 * package (Hugging Face's Rust library), saved as a standard tokenizer.json in
 * the model version. Special tokens have fixed ids (pad 0, bos 1, eos 2, unk 3)
 * so graphs can hard-code the pad id.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import tokenizers from 'tokenizers';
import { SPECIAL_IDS } from './captioner/config.js';

const { Tokenizer } = tokenizers;
type HfTokenizer = InstanceType<typeof Tokenizer>;

/** Special token strings, in id order. */
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;

/** Options for training a tokenizer. */
export interface TokenizerTrainOptions {
  /** Upper bound on vocabulary size including the 4 special tokens. Default 4000. */
  readonly vocabSize?: number;
}

interface BpeJson {
  model: { vocab: Record<string, number>; merges: ([string, string] | string)[]; unk_token: string | null };
  added_tokens: unknown[];
}

/** A trained BPE tokenizer with flywheel's fixed special ids. */
export class CaptionTokenizer {
  readonly #tok: HfTokenizer;
  readonly #json: string;

  private constructor(json: string) {
    this.#json = json;
    this.#tok = Tokenizer.fromString(json);
    for (const [i, t] of SPECIAL_TOKENS.entries()) {
      if (this.#tok.tokenToId(t) !== i)
        throw new Error(`tokenizer: special token ${t} must have id ${i}, has ${this.#tok.tokenToId(t)}`);
    }
  }

  /** Trains BPE on `texts` (lower-cased, NFKC, metaspace word boundaries) and caps the vocabulary at `vocabSize`. */
  static train(texts: Iterable<string>, opts: TokenizerTrainOptions = {}): CaptionTokenizer {
    const vocabSize = checkedVocabSize(opts);
    return withCorpusDir((corpus) => {
      const lines: string[] = [];
      for (const t of texts) {
        const line = corpusLine(t);
        if (line) lines.push(line);
      }
      if (lines.length === 0) throw new Error('tokenizer: no non-empty training text');
      writeFileSync(corpus, lines.join('\n') + '\n');
      return trainOnCorpus(corpus, vocabSize);
    });
  }

  /**
   * {@link CaptionTokenizer.train} on a stream of texts, written to the training corpus as they come:
   * a manifest of millions of clips is never held in memory. Same texts, same tokenizer.
   */
  static async trainStream(
    texts: AsyncIterable<string> | Iterable<string>,
    opts: TokenizerTrainOptions = {},
  ): Promise<CaptionTokenizer> {
    const vocabSize = checkedVocabSize(opts);
    return withCorpusDirAsync(async (corpus) => {
      let lines = 0;
      async function* corpusLines(): AsyncGenerator<string> {
        for await (const t of texts) {
          const line = corpusLine(t);
          if (!line) continue;
          lines++;
          yield `${line}\n`;
        }
      }
      // back-pressure and write errors are the pipeline's
      await pipeline(Readable.from(corpusLines()), createWriteStream(corpus));
      if (lines === 0) throw new Error('tokenizer: no non-empty training text');
      return trainOnCorpus(corpus, vocabSize);
    });
  }

  /** Loads from tokenizer.json text. */
  static fromJSON(json: string): CaptionTokenizer {
    return new CaptionTokenizer(json);
  }

  /** tokenizer.json text (standard Hugging Face format). */
  toJSON(): string {
    return this.#json;
  }

  /** Vocabulary size including special tokens (the model's output width). */
  get vocabSize(): number {
    return this.#tok.getVocabSize(true);
  }

  /** Token ids of `text` without special tokens. */
  async encode(text: string): Promise<number[]> {
    return (await this.#tok.encode(text)).getIds();
  }

  /** Token ids of several texts without special tokens. */
  async encodeBatch(texts: readonly string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    return (await this.#tok.encodeBatch([...texts])).map((e) => e.getIds());
  }

  /** Text of token ids, special tokens dropped. */
  async decode(ids: readonly number[]): Promise<string> {
    return (await this.#tok.decode([...ids], true)).trim();
  }

  /** Texts of several id sequences. */
  async decodeBatch(ids: readonly (readonly number[])[]): Promise<string[]> {
    if (ids.length === 0) return [];
    return (
      await this.#tok.decodeBatch(
        ids.map((x) => [...x]),
        true,
      )
    ).map((s) => s.trim());
  }
}

function checkedVocabSize(opts: TokenizerTrainOptions): number {
  const vocabSize = opts.vocabSize ?? 4000;
  if (!Number.isInteger(vocabSize) || vocabSize < SPECIAL_TOKENS.length + 2)
    throw new Error(`tokenizer: vocabSize must be an integer ≥ 6, got ${vocabSize}`);
  return vocabSize;
}

/** One text as a corpus line (whitespace collapsed), or '' for a blank text. */
function corpusLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function withCorpusDir<T>(f: (corpus: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'flywheel-tok-'));
  try {
    return f(join(dir, 'corpus.txt'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withCorpusDirAsync<T>(f: (corpus: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'flywheel-tok-'));
  try {
    return await f(join(dir, 'corpus.txt'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The BPE training, run in a child Node process: the Rust trainer prints a newline per progress step
 * straight to standard output, where a user's command output (or a pipe of it) would get blank
 * lines, and its Node binding takes no trainer options to turn that off.
 */
const TRAIN_SCRIPT = `
const [lib, corpus, out] = process.argv.slice(1);
const { Tokenizer, BPE, metaspacePreTokenizer, metaspaceDecoder, sequenceNormalizer, nfkcNormalizer, lowercase } =
  require(lib);
const tok = new Tokenizer(BPE.empty());
tok.setNormalizer(sequenceNormalizer([nfkcNormalizer(), lowercase()]));
tok.setPreTokenizer(metaspacePreTokenizer());
tok.setDecoder(metaspaceDecoder());
tok.train([corpus]);
tok.save(out);
`;

/** BPE trained on the corpus file's lines, with the special tokens at their fixed ids. */
function trainOnCorpus(corpus: string, vocabSize: number): CaptionTokenizer {
  const out = join(dirname(corpus), 'tokenizer.json');
  const lib = createRequire(import.meta.url).resolve('tokenizers');
  const child = spawnSync(process.execPath, ['-e', TRAIN_SCRIPT, lib, corpus, out], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (child.error) throw new Error(`tokenizer: cannot start the training process: ${child.error.message}`);
  if (child.status !== 0)
    throw new Error(
      `tokenizer: training on ${corpus} failed (exit ${child.status ?? child.signal}): ${child.stderr.trim()}`,
    );
  return CaptionTokenizer.fromJSON(withSpecials(readFileSync(out, 'utf8'), vocabSize));
}

/** Shifts trained ids up by 4, adds the special tokens at 0..3 and keeps the first merges so the vocab fits. */
function withSpecials(raw: string, vocabSize: number): string {
  const j = JSON.parse(raw) as BpeJson;
  const limit = vocabSize - SPECIAL_TOKENS.length;
  const vocab: Record<string, number> = {};
  SPECIAL_TOKENS.forEach((t, i) => (vocab[t] = i));
  for (const [t, id] of Object.entries(j.model.vocab)) if (id < limit) vocab[t] = id + SPECIAL_TOKENS.length;
  j.model.vocab = vocab;
  j.model.merges = j.model.merges.filter((m) => {
    const [a, b] = typeof m === 'string' ? m.split(' ') : m;
    return a + b in vocab && a in vocab && b in vocab;
  });
  j.model.unk_token = '<unk>';
  j.added_tokens = SPECIAL_TOKENS.map((content, id) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  return JSON.stringify(j);
}

export { SPECIAL_IDS };
