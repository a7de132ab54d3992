/**
 * CIDEr-D as in the COCO caption evaluation (pycocoevalcap `cider_scorer`):
 * n-grams 1–4 weighted by TF-IDF, document frequencies from the reference set
 * (a document = one item's references together), per-n cosine similarity with the
 * candidate's weights clipped to the reference's, a Gaussian length penalty
 * (σ = 6) on the difference of lengths, averaged over n and over references, ×10.
 * Lengths are counted as the reference implementation does: the number of bigrams.
 */
import { ngramCounts, ngramOrder, tokenize } from './tokenize.js';

/** CIDEr-D settings. */
export interface CiderOptions {
  /** Largest n-gram order (default 4). */
  n?: number;
  /** Standard deviation of the Gaussian length penalty (default 6). */
  sigma?: number;
}

/** Corpus CIDEr-D and the per-item scores (the corpus score is their mean). */
export interface CiderResult {
  score: number;
  perItem: number[];
}

interface Vec {
  weights: Array<Map<string, number>>;
  norms: number[];
  length: number;
}

/**
 * CIDEr-D of `candidates[i]` against `references[i]` (one or more strings each).
 * Document frequencies come from these references, so the score depends on the whole set.
 */
export function ciderD(
  candidates: readonly string[],
  references: ReadonlyArray<readonly string[]>,
  options: CiderOptions = {},
): CiderResult {
  const n = options.n ?? 4;
  const sigma = options.sigma ?? 6;
  if (candidates.length !== references.length) {
    throw new Error(`ciderD: ${candidates.length} candidates but ${references.length} reference lists`);
  }
  references.forEach((r, i) => {
    if (r.length === 0) throw new Error(`ciderD: item ${i} has no reference captions`);
  });
  if (candidates.length === 0) return { score: 0, perItem: [] };
  // n-gram counts are made again item by item below rather than held for the whole set: memory
  // stays at the document frequencies however many items there are
  const refCounts = (rs: readonly string[]): Map<string, number>[] => rs.map((r) => ngramCounts(tokenize(r), n));

  const df = new Map<string, number>();
  for (const rs of references) {
    const seen = new Set<string>();
    for (const r of refCounts(rs)) for (const g of r.keys()) seen.add(g);
    for (const g of seen) df.set(g, (df.get(g) ?? 0) + 1);
  }
  const logDocs = Math.log(references.length);

  const toVec = (counts: Map<string, number>): Vec => {
    const weights = Array.from({ length: n }, () => new Map<string, number>());
    const sq = new Array<number>(n).fill(0);
    let length = 0;
    for (const [g, tf] of counts) {
      const k = ngramOrder(g) - 1;
      const w = tf * (logDocs - Math.log(Math.max(1, df.get(g) ?? 0)));
      weights[k].set(g, w);
      sq[k] = sq[k] + w * w;
      if (k === 1) length += tf;
    }
    return { weights, norms: sq.map(Math.sqrt), length };
  };

  const sim = (h: Vec, r: Vec): number[] => {
    const delta = h.length - r.length;
    const penalty = Math.exp(-(delta * delta) / (2 * sigma * sigma));
    return h.weights.map((hw, k) => {
      const rw = r.weights[k];
      let v = 0;
      for (const [g, wh] of hw) {
        const wr = rw.get(g) ?? 0;
        v += Math.min(wh, wr) * wr;
      }
      const nh = h.norms[k];
      const nr = r.norms[k];
      if (nh !== 0 && nr !== 0) v /= nh * nr;
      return v * penalty;
    });
  };

  const perItem = candidates.map((c, i) => {
    const hv = toVec(ngramCounts(tokenize(c), n));
    const rs = refCounts(references[i]);
    const sum = new Array<number>(n).fill(0);
    for (const r of rs) sim(hv, toVec(r)).forEach((v, k) => (sum[k] = sum[k] + v));
    const meanOverN = sum.reduce((a, b) => a + b, 0) / n;
    return (meanOverN / rs.length) * 10;
  });
  return { score: perItem.reduce((a, b) => a + b, 0) / perItem.length, perItem };
}
