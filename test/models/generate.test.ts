import { describe, expect, it } from 'vitest';
import { search, type NextTokenLogp } from '../../models/generate.js';

// Vocabulary: 0 pad, 1 bos, 2 eos, 3 "x", 4 "y".
const V = 5;
/** A fixed next-token model: p(· | prefix) from a table keyed by the prefix. */
function table(t: Record<string, number[]>): NextTokenLogp {
  return (prefixes) => {
    const out = new Float32Array(prefixes.length * V).fill(-1e9);
    prefixes.forEach((p, r) => {
      const probs = t[p.slice(1).join(',')] ?? [0, 0, 1, 0, 0];
      probs.forEach((q, v) => (out[r * V + v] = q > 0 ? Math.log(q) : -1e9));
    });
    return Promise.resolve(out);
  };
}

// Greedy takes "x" (0.6) but then faces a flat distribution; "y" (0.4) leads to a sure eos.
const trap = table({
  '': [0, 0, 0, 0.6, 0.4],
  '3': [0, 0, 0.34, 0.33, 0.33],
  '4': [0, 0, 1, 0, 0],
  '3,3': [0, 0, 1, 0, 0],
  '3,4': [0, 0, 1, 0, 0],
});

describe('search', () => {
  it('greedy picks the locally best token and stops at eos', async () => {
    const [g] = await search(trap, 1, V, { maxLen: 5, beams: 1, lengthPenalty: 1 });
    expect(g.ids).toEqual([3]);
    expect(g.eosLogp).toBeCloseTo(Math.log(0.34), 5);
    expect(g.totalLogp).toBeCloseTo(Math.log(0.6 * 0.34), 5);
    expect(g.tokenLogp).toHaveLength(1);
  });

  it('beam search finds the better sequence greedy misses', async () => {
    const [b] = await search(trap, 1, V, { maxLen: 5, beams: 2, lengthPenalty: 0 });
    expect(b.ids).toEqual([4]);
    expect(b.totalLogp).toBeCloseTo(Math.log(0.4), 5);
  });

  it('length penalty trades total log p against length', async () => {
    // "x x" (0.5·0.9·1 = 0.45) beats "y" (0.5·0.8 = 0.4) under any α; in t2 ("x x" = 0.35) α decides.
    const t = table({
      '': [0, 0, 0, 0.5, 0.5],
      '3': [0, 0, 0.1, 0.9, 0],
      '3,3': [0, 0, 1, 0, 0],
      '4': [0, 0, 0.8, 0, 0.2],
    });
    const [a0] = await search(t, 1, V, { maxLen: 4, beams: 3, lengthPenalty: 0 });
    const [a2] = await search(t, 1, V, { maxLen: 4, beams: 3, lengthPenalty: 2 });
    expect(a0.ids).toEqual([3, 3]);
    expect(a0.totalLogp).toBeCloseTo(Math.log(0.45), 5);
    expect(a2.ids).toEqual([3, 3]);
    const t2 = table({
      '': [0, 0, 0, 0.5, 0.5],
      '3': [0, 0, 0.1, 0.7, 0.2],
      '3,3': [0, 0, 1, 0, 0],
      '4': [0, 0, 0.8, 0, 0.2],
    });
    const [b0] = await search(t2, 1, V, { maxLen: 4, beams: 3, lengthPenalty: 0 });
    const [b2] = await search(t2, 1, V, { maxLen: 4, beams: 3, lengthPenalty: 2 });
    expect(b0.ids).toEqual([4]); // 0.4 > 0.35
    expect(b2.ids).toEqual([3, 3]); // log(0.35)/3² > log(0.4)/2²
  });

  it('stops at maxLen without eos and breaks ties by lower id', async () => {
    const flat = table({ '': [0, 0, 0, 0.5, 0.5], '3': [0, 0, 0, 0.5, 0.5], '3,3': [0, 0, 0, 0.5, 0.5] });
    const [g] = await search(flat, 1, V, { maxLen: 3, beams: 1, lengthPenalty: 1 });
    expect(g.ids).toEqual([3, 3, 3]);
    expect(g.eosLogp).toBeNull();
  });

  it('runs many clips in one batch, each independently', async () => {
    const calls: number[] = [];
    const parents: (readonly number[] | null)[] = [];
    const counting: NextTokenLogp = async (p, clip, parent) => {
      calls.push(p.length);
      parents.push(parent);
      return trap(p, clip, parent);
    };
    const out = await search(counting, 4, V, { maxLen: 5, beams: 2, lengthPenalty: 0 });
    expect(out.map((o) => o.ids)).toEqual([[4], [4], [4], [4]]);
    expect(calls[0]).toBe(4); // one row per clip at the first step (beams start from a single hypothesis)
    expect(parents[0]).toBeNull();
    // Second call: each clip's two beams ("x", "y") both extend that clip's single first-step row.
    expect(parents[1]).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });
});
