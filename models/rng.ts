/**
 * The project's one seeded random source: mulberry32. Every seeded choice — the benchmark's
 * content, training order, text dropout, evaluation samples, initial weights, the experiments' toy
 * data — comes from here, so a seed means the same numbers on every platform.
 */

/** The raw mulberry32 stream from a 32-bit seed: uint32 values. */
function mulberry32Bits(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Mulberry32 from a 32-bit seed: uniform floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  const bits = mulberry32Bits(seed);
  return () => bits() / 4294967296;
}

/** Seeded standard-normal numbers (mulberry32 + Box–Muller); same seed → same numbers on every platform. */
export function normalRng(seed: number): () => number {
  const bits = mulberry32Bits(seed);
  // (0, 1): never 0, so the logarithm stays finite
  const uni = (): number => (bits() + 0.5) / 4294967296;
  return () => Math.sqrt(-2 * Math.log(uni())) * Math.cos(2 * Math.PI * uni());
}

/** Fisher–Yates shuffle of a copy, drawing from `r` (floats in [0, 1)). */
export function shuffled<T>(items: readonly T[], r: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

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

/**
 * A generator for (seed, stream, index): independent streams for independent decisions, so that
 * item i's draws depend only on the seed and i — not on how many items there are or their order.
 */
export function makeRng(seed: number, stream: string, index = 0): Rng {
  const next = mulberry32(hash32(`${seed}:${stream}:${index}`) || 0x9e3779b9);
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
 * order-independent random subset (used for splits, corruption and samples so rates are exact).
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
