/**
 * Word-swap hard negatives for the judge: a caption with one word replaced by another word the
 * corpus uses in the same place (same word before and after). "a red square going left" becomes
 * "a blue square going left" or "a red square going right" — a near copy that states something
 * else — so a judge trained against it must read every word, not only the caption's gist. Which
 * words are interchangeable is learnt from the training text itself: no attribute list, no truth.
 */
import { type Rng } from '../rng.js';

const START = '\u0002';
const END = '\u0003';

/** Splits a caption into the words a swap works on (lower case, whitespace separated). */
export function swapWords(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Learns which words share contexts, then writes one-word-swapped negatives. */
export class WordSwapNegatives {
  /** `prev␟next` → word → how often the corpus has it between them. */
  readonly #slots = new Map<string, Map<string, number>>();
  readonly #minCount: number;

  /**
   * @param minCount how often a word must be seen in a context to be swapped in there (default 2:
   *   a one-off typo is not a substitute).
   */
  constructor(minCount = 2) {
    if (!Number.isInteger(minCount) || minCount < 1)
      throw new Error(`word swap: minCount must be an integer ≥ 1, got ${minCount}`);
    this.#minCount = minCount;
  }

  /** Adds captions to the context table. */
  observe(texts: Iterable<string>): void {
    for (const text of texts) {
      const w = swapWords(text);
      for (let i = 0; i < w.length; i++) {
        const key = slotKey(w, i);
        const slot = this.#slots.get(key) ?? new Map<string, number>();
        slot.set(w[i], (slot.get(w[i]) ?? 0) + 1);
        this.#slots.set(key, slot);
      }
    }
  }

  /** Words seen often enough in position `i`'s context, other than the word there. */
  #substitutes(w: readonly string[], i: number): [string, number][] {
    const slot = this.#slots.get(slotKey(w, i));
    if (!slot) return [];
    return [...slot].filter(([x, n]) => x !== w[i] && n >= this.#minCount);
  }

  /**
   * `text` with one word swapped for a substitute (position uniform over the swappable ones,
   * substitute in proportion to its count there), or null when no word of it can be swapped.
   */
  negative(text: string, rng: Rng): string | null {
    const w = swapWords(text);
    const swappable = w.map((_, i) => i).filter((i) => this.#substitutes(w, i).length > 0);
    if (swappable.length === 0) return null;
    const i = rng.pick(swappable);
    const subs = this.#substitutes(w, i);
    let r = rng.next() * subs.reduce((a, [, n]) => a + n, 0);
    let pick = subs[subs.length - 1][0];
    for (const [x, n] of subs) {
      r -= n;
      if (r < 0) {
        pick = x;
        break;
      }
    }
    return [...w.slice(0, i), pick, ...w.slice(i + 1)].join(' ');
  }
}

function slotKey(w: readonly string[], i: number): string {
  return `${i > 0 ? w[i - 1] : START}\u001f${i + 1 < w.length ? w[i + 1] : END}`;
}
