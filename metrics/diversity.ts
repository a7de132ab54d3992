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

/** Diversity of `captions`, tokenized like the quality metrics. */
export function diversity(captions: readonly string[]): DiversityMetrics {
  const uni = new Map<string, number>();
  const bi = new Set<string>();
  let tokens = 0;
  let bigrams = 0;
  for (const c of captions) {
    const t = tokenize(c);
    tokens += t.length;
    t.forEach((w, i) => {
      uni.set(w, (uni.get(w) ?? 0) + 1);
      if (i > 0) {
        bi.add(`${t[i - 1]} ${w}`);
        bigrams++;
      }
    });
  }
  let entropy = 0;
  for (const k of uni.values()) {
    const p = k / tokens;
    entropy -= p * Math.log2(p);
  }
  return {
    distinct1: tokens === 0 ? 0 : uni.size / tokens,
    distinct2: bigrams === 0 ? 0 : bi.size / bigrams,
    vocabulary: uni.size,
    entropy: entropy === 0 ? 0 : entropy,
    tokens,
  };
}
