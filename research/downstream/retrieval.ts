/**
 * Zero-shot retrieval metrics from embeddings, the way the field reports them (HowToCaption,
 * ViCLIP, Panda-70M): with the similarity matrix of N clips' video and text embeddings, rank_i =
 * 1-based position of the true item for query i; R@K = 100 · mean(rank_i ≤ K); MdR = median rank;
 * text→video and video→text separately. Ties share the mid-rank (1 + #higher + #tied / 2), so a
 * model that maps everything to one point gets the chance median rank, not a perfect R@1.
 */

/** Recall at 1/5/10 (percent) and median rank of one retrieval direction. */
export interface RetrievalScores {
  readonly r1: number;
  readonly r5: number;
  readonly r10: number;
  readonly mdr: number;
}

/** Both directions. */
export interface RetrievalResult {
  readonly t2v: RetrievalScores;
  readonly v2t: RetrievalScores;
}

/** Cosine similarities (rows of `a` · rows of `b`, both L2-normalised, d columns): an na×nb row-major matrix. */
export function similarity(a: Float32Array, b: Float32Array, d: number): Float64Array {
  const na = a.length / d;
  const nb = b.length / d;
  if (!Number.isInteger(na) || !Number.isInteger(nb))
    throw new Error(`similarity: embedding lengths ${a.length} and ${b.length} are not multiples of d = ${d}`);
  const out = new Float64Array(na * nb);
  for (let i = 0; i < na; i++) {
    for (let j = 0; j < nb; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += a[i * d + k] * b[j * d + k];
      out[i * nb + j] = s;
    }
  }
  return out;
}

/** Mid-rank of candidate `target` among scores `at(0..n-1)`. */
function rankOf(n: number, at: (j: number) => number, target: number): number {
  const t = at(target);
  let higher = 0;
  let tied = 0;
  for (let j = 0; j < n; j++) {
    if (j === target) continue;
    const s = at(j);
    if (s > t) higher++;
    else if (s === t) tied++;
  }
  return 1 + higher + tied / 2;
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Scores of one direction from its ranks. */
export function scoresFromRanks(ranks: readonly number[]): RetrievalScores {
  const at = (k: number): number => (100 * ranks.filter((r) => r <= k).length) / ranks.length;
  return { r1: at(1), r5: at(5), r10: at(10), mdr: median(ranks) };
}

/** Retrieval scores of a square similarity matrix `sim[i][j]` = video i · text j (pair i is the match). */
export function retrievalScores(sim: Float64Array, n: number): RetrievalResult {
  if (sim.length !== n * n)
    throw new Error(`retrieval: similarity matrix has ${sim.length} entries, expected ${n}×${n}`);
  if (n === 0) throw new Error('retrieval: no clips');
  const t2v: number[] = [];
  const v2t: number[] = [];
  for (let i = 0; i < n; i++) {
    t2v.push(rankOf(n, (j) => sim[j * n + i], i));
    v2t.push(rankOf(n, (j) => sim[i * n + j], i));
  }
  return { t2v: scoresFromRanks(t2v), v2t: scoresFromRanks(v2t) };
}

/** What a model with no information scores on N clips: R@K = 100·K/N, MdR = (N + 1) / 2. */
export function chanceScores(n: number): RetrievalScores {
  const r = (k: number): number => (100 * Math.min(k, n)) / n;
  return { r1: r(1), r5: r(5), r10: r(10), mdr: (n + 1) / 2 };
}
