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

/**
 * The warnings a fit calls for, each saying what it costs and what to change; `fromInit` when the
 * tokenizer is `model.init`'s rather than trained on this job's text.
 */
export function tokenizerFitWarnings(
  fit: TokenizerFit,
  cfg: Pick<CaptionerConfig, 'maxTextLen' | 'maxCaptionLen'>,
  fromInit: boolean,
): string[] {
  if (fit.texts === 0) return [];
  const out: string[] = [];
  const source = fromInit ? "model.init's tokenizer" : "the job's tokenizer";
  const unknownShare = fit.unknown / Math.max(1, fit.pieces);
  if (unknownShare > UNKNOWN_SHARE_WARN)
    out.push(
      `${source} reads ${pct(unknownShare)} of the pieces of ${fit.texts} train texts (transcripts, titles, human captions) as <unk>` +
        (fit.unknownChars.length
          ? ` (characters it does not know: ${fit.unknownChars.map((c) => JSON.stringify(c)).join(' ')})`
          : '') +
        (fromInit
          ? ': it was trained on other text; leave model.init out to train a tokenizer on this job’s text'
          : ': raise model.vocab_size'),
    );
  const perWord = fit.pieces / Math.max(1, fit.words);
  if (fromInit && perWord > PIECES_PER_WORD_WARN)
    out.push(
      `${source} splits this job's text into ${perWord.toFixed(2)} pieces a word: many of its words are not words to the model; leave model.init out, or start from a model trained on text like this job's`,
    );
  // a model started from model.init keeps its shape, so only a job without it can raise the limits
  const raise = (field: string): string => (fromInit ? `model.init's captioner was built so` : `raise model.${field}`);
  const overCaption = fit.overCaptionLen / fit.texts;
  if (overCaption > OVER_LENGTH_WARN)
    out.push(
      `${pct(overCaption)} of ${fit.texts} train texts (transcripts, titles, human captions) are longer than a caption holds (${cfg.maxCaptionLen - 2} pieces): as captions they are cut there; ${raise('max_caption_len')}`,
    );
  const overText = fit.overTextLen / fit.texts;
  if (overText > OVER_LENGTH_WARN)
    out.push(
      `${pct(overText)} of ${fit.texts} train texts (transcripts, titles, human captions) are longer than the captioner's text input (${cfg.maxTextLen} pieces): it reads only their start; ${raise('max_text_len')}`,
    );
  return out;
}
