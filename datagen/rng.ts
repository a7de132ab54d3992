/**
 * Seeded pseudo-random numbers for the benchmark generator.
 * Every random choice derives from (seed, stream name, index) so that clip i's content
 * depends only on the seed and i — not on how many clips are generated or in which order.
 */

/** A deterministic random source: `next()` returns a float in [0, 1). */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** True with probability p. */
  chance(p: number): boolean;
}

/** 32-bit FNV-1a hash of a string; used to derive independent seeds from names. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A mulberry32 generator for (seed, stream, index): independent streams for independent decisions. */
export function makeRng(seed: number, stream: string, index = 0): Rng {
  let state = hash32(`${seed}:${stream}:${index}`) || 0x9e3779b9;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick() from an empty list');
      return items[Math.floor(next() * items.length)];
    },
    chance: (p) => next() < p,
  };
}

/**
 * The k indices of [0, n) with the smallest hash under (seed, stream): an exact-size,
 * order-independent random subset (used for splits and corruption so rates are exact).
 */
export function rankedSubset(
  seed: number,
  stream: string,
  n: number,
  k: number,
  exclude?: ReadonlySet<number>,
): Set<number> {
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (!exclude?.has(i)) idx.push(i);
  const key = (i: number): number => makeRng(seed, stream, i).next();
  const keys = new Map(idx.map((i) => [i, key(i)]));
  idx.sort((a, b) => (keys.get(a) as number) - (keys.get(b) as number) || a - b);
  return new Set(idx.slice(0, Math.max(0, Math.min(k, idx.length))));
}
