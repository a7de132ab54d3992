/**
 * Captions scored against reference captions: CIDEr-D and BLEU-4 over the clips that have
 * references. What a benchmark's truth and a dataset's own held-out human captions have in common,
 * so a job without a truth table still scores its captioner (`jobs/refine/evaluate.ts`).
 */
import { bleu } from './bleu.js';
import { ciderD } from './cider.js';

/** CIDEr-D and BLEU of a set of captions against their references. */
export interface ReferenceQuality {
  /** Number of clips scored. */
  n: number;
  ciderD: number;
  bleu4: number;
  /** BLEU-1..4. */
  bleu: number[];
}

/**
 * Scores `candidates` (clip_id → caption) against `references` (clip_id → one or more reference
 * captions), over every clip that has references. Throws when such a clip has no candidate, so a
 * missing caption is never silently skipped.
 */
export function scoreAgainstReferences(
  candidates: ReadonlyMap<string, string>,
  references: ReadonlyMap<string, readonly string[]>,
): ReferenceQuality {
  const ids = [...references.keys()];
  const missing = ids.filter((id) => !candidates.has(id));
  if (missing.length > 0)
    throw new Error(`scoring: ${missing.length} clips have no candidate caption (first: ${missing[0]})`);
  const cands = ids.map((id) => candidates.get(id) as string);
  const refs = ids.map((id) => [...(references.get(id) as readonly string[])]);
  const b = bleu(cands, refs);
  return { n: ids.length, ciderD: ciderD(cands, refs).score, bleu4: b.score, bleu: b.bleu };
}
