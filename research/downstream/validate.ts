/**
 * Checks a comparison's inputs at the door, before anything trains or is written: every error
 * names the dataset (and its source) and the problem, with example clip ids.
 */
import type { DownstreamDataset, HeldoutClip } from './types.js';

/** Fewest held-out clips a comparison accepts (R@10 of fewer clips says little). */
export const MIN_HELDOUT = 20;

const examples = (ids: readonly string[]): string => `${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''}`;

/** How a dataset is named in messages: `dataset "round-0" (/path/exports/round-0)`. */
export function datasetLabel(d: DownstreamDataset): string {
  return `dataset ${JSON.stringify(d.name)}${d.source ? ` (${d.source})` : ''}`;
}

/** Options of {@link validateInputs}. */
export interface ValidateOptions {
  readonly datasets: readonly DownstreamDataset[];
  readonly heldout: readonly HeldoutClip[];
  /** Clip ids of the manifest; when given, a dataset row outside it is an error. */
  readonly knownClips?: ReadonlySet<string>;
  /** Default {@link MIN_HELDOUT}. */
  readonly minHeldout?: number;
  readonly baseline?: string | null;
  readonly upperBound?: string | null;
}

/** Throws the first problem found; returns nothing when the inputs are usable. */
export function validateInputs(o: ValidateOptions): void {
  if (o.datasets.length === 0) throw new Error('downstream: no datasets to compare');
  const names = new Set<string>();
  for (const d of o.datasets) {
    if (!d.name.trim()) throw new Error(`downstream: a dataset has an empty name${d.source ? ` (${d.source})` : ''}`);
    if (names.has(d.name))
      throw new Error(
        `downstream: two datasets are named ${JSON.stringify(d.name)}; give each a unique name (name=path)`,
      );
    names.add(d.name);
  }
  for (const [role, name] of [
    ['baseline', o.baseline],
    ['upper bound', o.upperBound],
  ] as const) {
    if (name && !names.has(name))
      throw new Error(
        `downstream: the ${role} ${JSON.stringify(name)} is not one of the datasets (${[...names].join(', ')})`,
      );
  }
  const min = o.minHeldout ?? MIN_HELDOUT;
  const heldIds = new Set<string>();
  for (const h of o.heldout) {
    if (heldIds.has(h.clip_id)) throw new Error(`downstream: held-out clip ${h.clip_id} appears twice`);
    heldIds.add(h.clip_id);
    if (!h.truthCaption.trim()) throw new Error(`downstream: held-out clip ${h.clip_id} has an empty truth caption`);
  }
  if (o.heldout.length < min) {
    throw new Error(
      `downstream: the held-out set has ${o.heldout.length} clips (manifest split = 'heldout' with a truth row); need at least ${min} for retrieval to mean anything`,
    );
  }
  for (const d of o.datasets) validateDataset(d, heldIds, o.knownClips);
}

function validateDataset(
  d: DownstreamDataset,
  heldout: ReadonlySet<string>,
  known: ReadonlySet<string> | undefined,
): void {
  const label = datasetLabel(d);
  if (d.rows.length === 0) throw new Error(`${label}: no rows`);
  if (d.rows.length < 2) throw new Error(`${label}: 1 row; contrastive training needs at least 2`);
  const seen = new Set<string>();
  const dup: string[] = [];
  const unknown: string[] = [];
  const leaked: string[] = [];
  d.rows.forEach((r, i) => {
    if (typeof r.clip_id !== 'string' || r.clip_id === '') throw new Error(`${label}: row ${i} has no clip_id`);
    if (typeof r.caption !== 'string' || r.caption.trim() === '')
      throw new Error(`${label}: row ${i} (clip ${r.clip_id}) has an empty caption`);
    if (!(Number.isFinite(r.weight) && r.weight >= 0))
      throw new Error(`${label}: row ${i} (clip ${r.clip_id}) has weight ${r.weight}; weights must be finite and ≥ 0`);
    if (seen.has(r.clip_id)) dup.push(r.clip_id);
    seen.add(r.clip_id);
    if (known && !known.has(r.clip_id)) unknown.push(r.clip_id);
    if (heldout.has(r.clip_id)) leaked.push(r.clip_id);
  });
  if (dup.length) throw new Error(`${label}: ${dup.length} clip ids appear more than once (${examples(dup)})`);
  if (unknown.length)
    throw new Error(
      `${label}: ${unknown.length} of ${d.rows.length} clip ids are not in the manifest (${examples(unknown)}); is it an export of another dataset?`,
    );
  if (leaked.length)
    throw new Error(
      `${label}: ${leaked.length} rows are held-out clips (${examples(leaked)}); training on evaluation clips would leak`,
    );
  if (!d.rows.some((r) => r.weight > 0)) throw new Error(`${label}: every row has weight 0`);
}

/** Throws naming, per dataset (and the held-out set), the clips that have no frames. */
export function checkFrames(
  datasets: readonly DownstreamDataset[],
  heldout: readonly HeldoutClip[],
  missing: readonly string[],
  where: string,
): void {
  if (missing.length === 0) return;
  const gone = new Set(missing);
  const parts: string[] = [];
  const held = heldout.filter((h) => gone.has(h.clip_id)).map((h) => h.clip_id);
  if (held.length) parts.push(`${held.length} held-out clips (${examples(held)})`);
  for (const d of datasets) {
    const ids = d.rows.filter((r) => gone.has(r.clip_id)).map((r) => r.clip_id);
    if (ids.length) parts.push(`${datasetLabel(d)}: ${ids.length} clips (${examples(ids)})`);
  }
  throw new Error(
    `downstream: missing frames in ${where} for ${parts.join('; ')} — the frames stage recorded an error for them, or the frames come from another manifest`,
  );
}
