/**
 * Exact attribute accuracy on the generated benchmark: parse each candidate caption with
 * the benchmark grammar and compare colour, shape, size, motion and background with the
 * ground-truth structure. Objects are matched to truth objects by the best assignment
 * (order in the caption does not matter); a truth object with no match counts as wrong.
 */
import type { AttributeAccuracy } from '../../metrics/truth-measure.js';
import { parseCaption, type CaptionAttrs, type ObjectAttrs } from '../benchmark/grammar.js';

type Slot = 'colour' | 'shape' | 'size' | 'motion';
const SLOTS: readonly Slot[] = ['colour', 'shape', 'size', 'motion'];

function objectHits(t: ObjectAttrs, p: ObjectAttrs | undefined): Record<Slot, number> {
  return {
    colour: p !== undefined && p.colour === t.colour ? 1 : 0,
    shape: p !== undefined && p.shape === t.shape ? 1 : 0,
    size: t.size !== null && p !== undefined && p.size === t.size ? 1 : 0,
    motion: p !== undefined && p.motion === t.motion ? 1 : 0,
  };
}
const total = (h: Record<Slot, number>): number => h.colour + h.shape + h.size + h.motion;

/** Best one-to-one matching of truth objects to predicted objects (brute force; scenes have ≤ a few objects). */
function bestMatch(truth: readonly ObjectAttrs[], pred: readonly ObjectAttrs[]): Array<Record<Slot, number>> {
  let best: Array<Record<Slot, number>> = [];
  let bestScore = -1;
  const walk = (i: number, used: Set<number>, acc: Array<Record<Slot, number>>, score: number): void => {
    if (i === truth.length) {
      if (score > bestScore) {
        bestScore = score;
        best = acc.slice();
      }
      return;
    }
    const t = truth[i];
    const none = objectHits(t, undefined);
    walk(i + 1, used, [...acc, none], score);
    pred.forEach((p, j) => {
      if (used.has(j)) return;
      const h = objectHits(t, p);
      used.add(j);
      walk(i + 1, used, [...acc, h], score + total(h));
      used.delete(j);
    });
  };
  walk(0, new Set(), [], 0);
  return best;
}

/** Attribute accuracy of `candidates[i]` against the ground-truth attributes `truths[i]`. */
export function attributeAccuracy(candidates: readonly string[], truths: readonly CaptionAttrs[]): AttributeAccuracy {
  if (candidates.length !== truths.length)
    throw new Error(`attributeAccuracy: ${candidates.length} candidates but ${truths.length} truths`);
  const hits: Record<Slot | 'background', number> = { colour: 0, shape: 0, size: 0, motion: 0, background: 0 };
  const slots: Record<Slot | 'background', number> = { colour: 0, shape: 0, size: 0, motion: 0, background: 0 };
  let countOk = 0;
  let objExact = 0;
  let objTotal = 0;
  let exact = 0;
  candidates.forEach((c, i) => {
    const t = truths[i];
    const p = parseCaption(c);
    const matched = bestMatch(t.objects, p.objects);
    let allObjects = true;
    t.objects.forEach((o, k) => {
      const h = matched[k];
      for (const s of SLOTS) {
        if (s === 'size' && o.size === null) continue;
        slots[s]++;
        hits[s] += h[s];
      }
      const ok = h.colour === 1 && h.shape === 1 && h.motion === 1 && (o.size === null || h.size === 1);
      objTotal++;
      if (ok) objExact++;
      else allObjects = false;
    });
    slots.background++;
    const bgOk = p.background === t.background;
    if (bgOk) hits.background++;
    const countMatches = p.objects.length === t.objects.length;
    if (countMatches) countOk++;
    if (allObjects && bgOk && countMatches) exact++;
  });
  const acc = (k: Slot | 'background'): number => (slots[k] === 0 ? 0 : hits[k] / slots[k]);
  const r = {
    colour: acc('colour'),
    shape: acc('shape'),
    size: acc('size'),
    motion: acc('motion'),
    background: acc('background'),
  };
  const n = candidates.length;
  return {
    n,
    ...r,
    objectCount: n === 0 ? 0 : countOk / n,
    objectExact: objTotal === 0 ? 0 : objExact / objTotal,
    exact: n === 0 ? 0 : exact / n,
    mean: (r.colour + r.shape + r.size + r.motion + r.background) / 5,
  };
}
