/**
 * Diversity of a caption corpus: distinct-1/2 (unique n-grams / all n-grams, pooled
 * over the corpus), vocabulary size and unigram entropy in bits.
 */
import { tokenize } from './tokenize.js';

/** Diversity metrics of a corpus. */
export interface DiversityMetrics {
  /** Unique unigrams / all unigrams (0 for an empty corpus). */
  distinct1: number;
  /** Unique bigrams / all bigrams (bigrams never cross caption boundaries). */
  distinct2: number;
  /** Number of distinct tokens. */
  vocabulary: number;
  /** Shannon entropy of the unigram distribution, in bits. */
  entropy: number;
  /** Total tokens. */
  tokens: number;
}

/** The bigrams of one caption's tokens, as distinct-2 counts them (never across captions). */
function bigramsOf(tokens: readonly string[]): string[] {
  return tokens.slice(1).map((w, i) => `${tokens[i]} ${w}`);
}

/** A caption's bigrams, tokenized like the quality metrics: what distinct-2 counts, caption by caption. */
export function captionBigrams(caption: string): string[] {
  return bigramsOf(tokenize(caption));
}

/**
 * Diversity counted one caption at a time, so a corpus can be measured as it streams past: it holds
 * the corpus's distinct words and bigrams, not its captions.
 */
export class DiversityCounter {
  readonly #uni = new Map<string, number>();
  readonly #bi = new Set<string>();
  #tokens = 0;
  #bigrams = 0;

  /** Counts one caption, tokenized like the quality metrics. */
  add(caption: string): void {
    const t = tokenize(caption);
    this.#tokens += t.length;
    for (const w of t) this.#uni.set(w, (this.#uni.get(w) ?? 0) + 1);
    const bigrams = bigramsOf(t);
    for (const b of bigrams) this.#bi.add(b);
    this.#bigrams += bigrams.length;
  }

  /** The diversity of the captions counted so far. */
  metrics(): DiversityMetrics {
    const tokens = this.#tokens;
    let entropy = 0;
    for (const k of this.#uni.values()) {
      const p = k / tokens;
      entropy -= p * Math.log2(p);
    }
    return {
      distinct1: tokens === 0 ? 0 : this.#uni.size / tokens,
      distinct2: this.#bigrams === 0 ? 0 : this.#bi.size / this.#bigrams,
      vocabulary: this.#uni.size,
      entropy: entropy === 0 ? 0 : entropy,
      tokens,
    };
  }
}

/** Diversity of `captions`, tokenized like the quality metrics. */
export function diversity(captions: Iterable<string>): DiversityMetrics {
  const counter = new DiversityCounter();
  for (const c of captions) counter.add(c);
  return counter.metrics();
}
