/**
 * Batched greedy search, beam search and seeded sampling over a next-token function. Host-side and
 * deterministic: ties are broken by lower token id, then lower beam index; a sample depends only on
 * its clip's seed.
 */
import { SPECIAL_IDS } from './captioner/config.js';
import { mulberry32 } from './rng.js';

/**
 * Log-probabilities [rows × V] of the next token for each prefix; `clip[i]`
 * says which input clip prefix i belongs to, and `parent[i]` which row of the
 * previous call prefix i extends by one token (null on the first call) — what
 * a KV cache needs to reorder its rows. All prefixes of one call have the same length.
 */
export type NextTokenLogp = (
  prefixes: readonly (readonly number[])[],
  clip: readonly number[],
  parent: readonly number[] | null,
) => Promise<Float32Array>;

/** Search settings. */
export interface GenerateOptions {
  /** Maximum generated tokens including eos. Default: the model's maxCaptionLen − 1. */
  readonly maxLen?: number;
  /** Beam width; 1 = greedy. Default 1. */
  readonly beams?: number;
  /** Length penalty α: hypotheses are ranked by Σ log p / len^α. Default 1 (beam only). */
  readonly lengthPenalty?: number;
  /**
   * Draw each token from the model's distribution at this temperature instead of searching (beams
   * ignored); 0 = search. Default 0. Sampling writes other wordings than the model's most likely one.
   */
  readonly temperature?: number;
  /** One seed per clip of the batch; needed when `temperature` > 0, so a clip's sample does not depend on its batch. */
  readonly seeds?: readonly number[];
}

/** Settings of {@link search}, defaults resolved. */
export type SearchSettings = Required<Pick<GenerateOptions, 'maxLen' | 'beams' | 'lengthPenalty'>> &
  Pick<GenerateOptions, 'temperature' | 'seeds'>;

/** One generated caption (ids without bos/eos; logprobs aligned with ids). */
export interface Generated {
  readonly ids: number[];
  readonly tokenLogp: number[];
  /** log p of the eos token, or null when maxLen was reached first. */
  readonly eosLogp: number | null;
  /** Σ log p over ids and eos. */
  readonly totalLogp: number;
}

interface Hyp {
  /** Row of the last next() call this hypothesis came from (for KV-cache reordering). */
  row: number;
  ids: number[];
  lps: number[];
  done: boolean;
  eos: number | null;
  sum: number;
}

/** Sampling (temperature > 0), greedy (beams = 1) or beam search for `n` clips. */
export async function search(
  next: NextTokenLogp,
  n: number,
  vocab: number,
  opts: SearchSettings,
): Promise<Generated[]> {
  const temperature = opts.temperature ?? 0;
  if (temperature > 0) {
    const seeds = opts.seeds;
    if (seeds?.length !== n)
      throw new RangeError(`search: sampling needs one seed per clip, got ${seeds?.length ?? 0} for ${n}`);
    const draws = seeds.map((seed) => mulberry32(seed));
    return tokenByToken(next, n, vocab, opts.maxLen, (logp, off, _V, clip) =>
      drawToken(logp, off, vocab, temperature, draws[clip]),
    );
  }
  return opts.beams <= 1 ? tokenByToken(next, n, vocab, opts.maxLen, argmax) : beam(next, n, vocab, opts);
}

/** The most likely token of row[off, off+V) (ties → lower id). */
function argmax(row: Float32Array, off: number, V: number): number {
  let best = 0;
  for (let v = 1; v < V; v++) if (row[off + v] > row[off + best]) best = v;
  return best;
}

/** A token drawn from softmax(log p / temperature) over row[off, off+V), pad and bos excluded. */
function drawToken(row: Float32Array, off: number, V: number, temperature: number, r: () => number): number {
  const allowed = (v: number): boolean => v !== SPECIAL_IDS.pad && v !== SPECIAL_IDS.bos;
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (allowed(v)) max = Math.max(max, row[off + v]);
  let total = 0;
  for (let v = 0; v < V; v++) if (allowed(v)) total += Math.exp((row[off + v] - max) / temperature);
  let u = r() * total;
  let last: number = SPECIAL_IDS.eos;
  for (let v = 0; v < V; v++) {
    if (!allowed(v)) continue;
    u -= Math.exp((row[off + v] - max) / temperature);
    last = v;
    if (u < 0) return v;
  }
  return last;
}

function finish(h: Hyp): Generated {
  return { ids: h.ids, tokenLogp: h.lps, eosLogp: h.eos, totalLogp: h.sum };
}

/** One hypothesis per clip, extended by the token `pick` takes from each step's log-probabilities. */
async function tokenByToken(
  next: NextTokenLogp,
  n: number,
  V: number,
  maxLen: number,
  pick: (logp: Float32Array, off: number, V: number, clip: number) => number,
): Promise<Generated[]> {
  const hyps: Hyp[] = Array.from({ length: n }, () => ({ row: -1, ids: [], lps: [], done: false, eos: null, sum: 0 }));
  for (let t = 0; t < maxLen; t++) {
    const alive = hyps.map((h, i) => (h.done ? -1 : i)).filter((i) => i >= 0);
    if (alive.length === 0) break;
    const logp = await next(
      alive.map((i) => [SPECIAL_IDS.bos, ...hyps[i].ids]),
      alive,
      t === 0 ? null : alive.map((i) => hyps[i].row),
    );
    alive.forEach((clip, r) => {
      hyps[clip].row = r;
      const best = pick(logp, r * V, V, clip);
      const lp = logp[r * V + best];
      const h = hyps[clip];
      h.sum += lp;
      if (best === SPECIAL_IDS.eos) {
        h.done = true;
        h.eos = lp;
      } else {
        h.ids.push(best);
        h.lps.push(lp);
      }
    });
  }
  return hyps.map(finish);
}

async function beam(next: NextTokenLogp, n: number, V: number, opts: SearchSettings): Promise<Generated[]> {
  const K = opts.beams;
  const rank = (h: Hyp): number => h.sum / Math.pow(Math.max(1, h.ids.length + (h.done ? 1 : 0)), opts.lengthPenalty);
  let beams: Hyp[][] = Array.from({ length: n }, () => [{ row: -1, ids: [], lps: [], done: false, eos: null, sum: 0 }]);
  for (let t = 0; t < opts.maxLen; t++) {
    const rows: { clip: number; hyp: Hyp }[] = [];
    beams.forEach((bs, clip) => bs.forEach((h) => !h.done && rows.push({ clip, hyp: h })));
    if (rows.length === 0) break;
    const logp = await next(
      rows.map((r) => [SPECIAL_IDS.bos, ...r.hyp.ids]),
      rows.map((r) => r.clip),
      t === 0 ? null : rows.map((r) => r.hyp.row),
    );
    const cands: Hyp[][] = beams.map((bs) => bs.filter((h) => h.done));
    rows.forEach((r, ri) => {
      // Top-K tokens of this row (K candidates per live beam suffice).
      for (const v of topK(logp, ri * V, V, K)) {
        const lp = logp[ri * V + v];
        const h = r.hyp;
        cands[r.clip].push(
          v === SPECIAL_IDS.eos
            ? { row: ri, ids: h.ids, lps: h.lps, done: true, eos: lp, sum: h.sum + lp }
            : { row: ri, ids: [...h.ids, v], lps: [...h.lps, lp], done: false, eos: null, sum: h.sum + lp },
        );
      }
    });
    beams = cands.map((cs) =>
      cs
        .map((h, i) => ({ h, i }))
        .sort((a, b) => rank(b.h) - rank(a.h) || a.i - b.i)
        .slice(0, K)
        .map((x) => x.h),
    );
    if (beams.every((bs) => bs.every((h) => h.done))) break;
  }
  return beams.map((bs) => finish([...bs].sort((a, b) => rank(b) - rank(a))[0]));
}

/** Indices of the k largest of row[off, off+V) (pad and bos excluded), best first, ties → lower id. O(V·k). */
function topK(row: Float32Array, off: number, V: number, k: number): number[] {
  const best: number[] = [];
  for (let v = 0; v < V; v++) {
    if (v === SPECIAL_IDS.pad || v === SPECIAL_IDS.bos) continue;
    const x = row[off + v];
    if (best.length === k && x <= row[off + best[k - 1]]) continue;
    let i = best.length < k ? best.length : k - 1;
    while (i > 0 && row[off + best[i - 1]] < x) i--;
    best.splice(i, 0, v);
    if (best.length > k) best.pop();
  }
  return best;
}
