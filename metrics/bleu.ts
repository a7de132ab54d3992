/**
 * Corpus BLEU-1..4 as in the COCO caption evaluation (pycocoevalcap `bleu_scorer`,
 * option "closest"): clipped n-gram precisions summed over the corpus (a candidate
 * n-gram counts at most as often as in the reference that has it most), their geometric
 * mean, and a brevity penalty exp(1 − r/c) when the candidates are shorter than the sum
 * r of each candidate's closest reference length (ties → the shorter reference).
 */
import { ngramCounts, ngramOrder, tokenize } from './tokenize.js';

/** Corpus BLEU result. */
export interface BleuResult {
  /** BLEU-1..BLEU-n (cumulative geometric means, brevity penalty applied). */
  bleu: number[];
  /** BLEU-n for the largest n (BLEU-4 by default). */
  score: number;
  /** Clipped precision of each order, correct / guessed, summed over the corpus. */
  precisions: number[];
  brevityPenalty: number;
  /** Total candidate tokens (c) and total closest-reference tokens (r). */
  candidateLength: number;
  referenceLength: number;
}

// smoothing constants of the reference implementation: they only matter when a count is zero
const TINY = 1e-15;
const SMALL = 1e-9;

/** Corpus BLEU of `candidates[i]` against `references[i]` (one or more each); n defaults to 4. */
export function bleu(candidates: readonly string[], references: ReadonlyArray<readonly string[]>, n = 4): BleuResult {
  if (candidates.length !== references.length) {
    throw new Error(`bleu: ${candidates.length} candidates but ${references.length} reference lists`);
  }
  const correct = new Array<number>(n).fill(0);
  const guess = new Array<number>(n).fill(0);
  let c = 0;
  let r = 0;
  candidates.forEach((cand, i) => {
    const refs = references[i].map(tokenize);
    if (refs.length === 0) throw new Error(`bleu: item ${i} has no reference captions`);
    const maxRef = new Map<string, number>();
    for (const ref of refs) for (const [g, k] of ngramCounts(ref, n)) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, k));
    const toks = tokenize(cand);
    const len = toks.length;
    let best = refs[0];
    for (const ref of refs) {
      const d = Math.abs(ref.length - len);
      const bd = Math.abs(best.length - len);
      if (d < bd || (d === bd && ref.length < best.length)) best = ref;
    }
    c += len;
    r += best.length;
    for (let k = 1; k <= n; k++) guess[k - 1] = guess[k - 1] + Math.max(0, len - k + 1);
    for (const [g, cnt] of ngramCounts(toks, n)) {
      const k = ngramOrder(g) - 1;
      correct[k] = correct[k] + Math.min(cnt, maxRef.get(g) ?? 0);
    }
  });
  const ratio = (c + TINY) / (r + SMALL);
  const brevityPenalty = ratio < 1 ? Math.exp(1 - 1 / ratio) : 1;
  const out: number[] = [];
  let prod = 1;
  for (let k = 0; k < n; k++) {
    prod *= (correct[k] + TINY) / (guess[k] + SMALL);
    out.push(prod ** (1 / (k + 1)) * brevityPenalty);
  }
  return {
    bleu: out,
    score: out[n - 1],
    precisions: correct.map((x, k) => (guess[k] === 0 ? 0 : x / guess[k])),
    brevityPenalty,
    candidateLength: c,
    referenceLength: r,
  };
}
