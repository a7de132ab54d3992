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

  describe('sampling', () => {
    const sample = (seeds: number[], temperature: number) =>
      search(trap, seeds.length, V, { maxLen: 5, beams: 1, lengthPenalty: 1, temperature, seeds });

    it('draws each token from the model: both first tokens appear, in about their probabilities', async () => {
      const seeds = Array.from({ length: 400 }, (_, i) => 1000 + i);
      const out = await sample(seeds, 1);
      const x = out.filter((o) => o.ids[0] === 3).length / out.length;
      expect(x).toBeGreaterThan(0.5);
      expect(x).toBeLessThan(0.7);
      // never pad or bos, and each token's log p is the model's own (untempered)
      for (const o of out) {
        expect(o.ids.every((v) => v === 3 || v === 4)).toBe(true);
        expect(o.tokenLogp[0]).toBeCloseTo(Math.log(o.ids[0] === 3 ? 0.6 : 0.4), 5);
      }
    });

    it("a clip's sample depends on its seed alone, not on its batch", async () => {
      const seeds = [7, 8, 9, 10, 11, 12];
      const together = await sample(seeds, 1);
      const alone = await Promise.all(seeds.map(async (s) => (await sample([s], 1))[0]));
      expect(together.map((o) => o.ids)).toEqual(alone.map((o) => o.ids));
      expect(new Set(together.map((o) => o.ids.join(','))).size).toBeGreaterThan(1);
    });

    it('a low temperature sharpens towards the most likely token', async () => {
      const seeds = Array.from({ length: 200 }, (_, i) => 5000 + i);
      const cold = await sample(seeds, 0.05);
      expect(cold.every((o) => o.ids[0] === 3)).toBe(true);
    });

    it('refuses to sample without one seed per clip', async () => {
      await expect(
        search(trap, 2, V, { maxLen: 5, beams: 1, lengthPenalty: 1, temperature: 1, seeds: [1] }),
      ).rejects.toThrow(/one seed per clip/);
    });
  });
});
