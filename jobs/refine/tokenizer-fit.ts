/**
 * How well the job's tokenizer and captioner shape fit the job's own text, measured on a sample of
 * the train clips' transcripts and titles before any frame is extracted. A `model.init` trained on
 * other text can turn a user's words into `<unk>` or into letters, and a short `max_caption_len`
 * cuts long narrations: neither fails, both quietly make a worse dataset, so the job says so.
 */
import type { CaptionerConfig } from '../../models/captioner/config.js';
import { SPECIAL_IDS } from '../../models/captioner/config.js';
import type { CaptionTokenizer } from '../../models/tokenizer.js';
import { captionFromText } from '../../stages/caption/index.js';

/** What {@link measureTokenizerFit} counted. */
export interface TokenizerFit {
  /** Texts measured (non-empty transcripts, titles and human captions of train clips). */
  readonly texts: number;
  readonly words: number;
  /** Tokenizer pieces over all the texts as captions. */
  readonly pieces: number;
  /** Pieces that are `<unk>` (in the texts as captions: normalised as round 0 normalises them). */
  readonly unknown: number;
  /** Up to five characters the tokenizer does not know, as they appear in the text. */
  readonly unknownChars: readonly string[];
  /** Texts with more pieces than the captioner reads as text input (`maxTextLen`). */
  readonly overTextLen: number;
  /** Texts with more pieces than a caption holds (`maxCaptionLen` − 2, for bos and eos). */
  readonly overCaptionLen: number;
}

/** Share of `<unk>` pieces above which the job warns. */
export const UNKNOWN_SHARE_WARN = 0.005;
/** Pieces per word above which a `model.init` tokenizer is said to split the job's words. */
export const PIECES_PER_WORD_WARN = 1.5;
/** Share of texts cut by a length limit above which the job warns. */
export const OVER_LENGTH_WARN = 0.05;

/** Counts pieces, `<unk>` pieces and over-long texts of up to `sample` texts from `texts`. */
export async function measureTokenizerFit(
  tok: CaptionTokenizer,
  cfg: Pick<CaptionerConfig, 'maxTextLen' | 'maxCaptionLen'>,
  texts: AsyncIterable<string> | Iterable<string>,
  sample = 2000,
): Promise<TokenizerFit> {
  let n = 0;
  let words = 0;
  let pieces = 0;
  let unknown = 0;
  let overTextLen = 0;
  let overCaptionLen = 0;
  const unknownChars = new Set<string>();
  for await (const raw of texts) {
    // as a caption the text is normalised (stages/caption); as the captioner's input it is read as is
    const text = captionFromText(raw, null);
    if (text === '') continue;
    if (n++ >= sample) break;
    const ids = await tok.encode(text);
    const unk = ids.filter((id) => id === SPECIAL_IDS.unk).length;
    words += text.split(' ').length;
    pieces += ids.length;
    unknown += unk;
    if ((await tok.encode(raw)).length > cfg.maxTextLen) overTextLen++;
    if (ids.length > cfg.maxCaptionLen - 2) overCaptionLen++;
    if (unk > 0 && unknownChars.size < 5)
      for (const ch of new Set(text.replace(/ /g, '')))
        if (unknownChars.size < 5 && (await tok.encode(ch)).includes(SPECIAL_IDS.unk)) unknownChars.add(ch);
  }
  return {
    texts: Math.min(n, sample),
    words,
    pieces,
    unknown,
    unknownChars: [...unknownChars],
    overTextLen,
    overCaptionLen,
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** Whose tokenizer was measured: the job's own (trained on its text), `model.init`'s, or the model a schedule tick captions new clips with. */
export type TokenizerSource = 'job' | 'model.init' | 'tick';

/** How each source is named, and what a user can change for each kind of misfit. */
const SOURCES: Record<
  TokenizerSource,
  {
    readonly name: string;
    readonly texts: string;
    readonly unknown: string;
    readonly split?: string;
    readonly shape?: string;
  }
> = {
  job: { name: "the job's tokenizer", texts: 'train texts', unknown: 'raise model.vocab_size' },
  'model.init': {
    name: "model.init's tokenizer",
    texts: 'train texts',
    unknown: "it was trained on other text; leave model.init out to train a tokenizer on this job's text",
    split: "leave model.init out, or start from a model trained on text like this job's",
    shape: "model.init's captioner was built so",
  },
  tick: {
    name: "the current model's tokenizer",
    texts: "this tick's texts",
    unknown: 'the new clips are worded unlike the text it was trained on; refine a new job over the grown manifest',
    split: 'the new clips are worded unlike the text it was trained on; refine a new job over the grown manifest',
    shape: 'the current model was built so',
  },
};

/** The warnings a fit calls for, each saying what it costs and what to change. */
export function tokenizerFitWarnings(
  fit: TokenizerFit,
  cfg: Pick<CaptionerConfig, 'maxTextLen' | 'maxCaptionLen'>,
  source: TokenizerSource,
): string[] {
  if (fit.texts === 0) return [];
  const out: string[] = [];
  const s = SOURCES[source];
  const texts = `${fit.texts} ${s.texts} (transcripts, titles, human captions)`;
  const unknownShare = fit.unknown / Math.max(1, fit.pieces);
  if (unknownShare > UNKNOWN_SHARE_WARN)
    out.push(
      `${s.name} reads ${pct(unknownShare)} of the pieces of ${texts} as <unk>` +
        (fit.unknownChars.length
          ? ` (characters it does not know: ${fit.unknownChars.map((c) => JSON.stringify(c)).join(' ')})`
          : '') +
        `: ${s.unknown}`,
    );
  const perWord = fit.pieces / Math.max(1, fit.words);
  // a tokenizer trained on the job's own text splits only its rare words
  if (s.split && perWord > PIECES_PER_WORD_WARN)
    out.push(
      `${s.name} splits ${texts} into ${perWord.toFixed(2)} pieces a word: many of their words are not words to the model; ${s.split}`,
    );
  // a model that was handed in keeps its shape, so only a job's own captioner can raise the limits
  const raise = (field: string): string => s.shape ?? `raise model.${field}`;
  const overCaption = fit.overCaptionLen / fit.texts;
  if (overCaption > OVER_LENGTH_WARN)
    out.push(
      `${pct(overCaption)} of ${texts} are longer than a caption holds (${cfg.maxCaptionLen - 2} pieces): as captions they are cut there; ${raise('max_caption_len')}`,
    );
  const overText = fit.overTextLen / fit.texts;
  if (overText > OVER_LENGTH_WARN)
    out.push(
      `${pct(overText)} of ${texts} are longer than the captioner's text input (${cfg.maxTextLen} pieces): it reads only their start; ${raise('max_text_len')}`,
    );
  return out;
}
