/**
 * Where the kept rows' bigrams come from. The pooled distinct-2 (distinct bigrams over all bigrams)
 * rises with rows that bring bigram types of their own and falls with rows that repeat types, so its
 * ratio to the clean transcripts' is read off these counts: per group of kept rows (by kept source
 * and whether the clip's transcript is clean), how many rows and bigrams it adds, and how many of its
 * bigram types the clean transcripts lack.
 */
import { captionBigrams } from '../../metrics/diversity.js';

/** One group of kept rows and what it adds to the pooled count. */
export interface BigramShare {
  readonly group: string;
  readonly rows: number;
  readonly bigrams: number;
  /** The group's bigram types that no clean transcript has (a type may count in several groups). */
  readonly newTypes: number;
}

/** The kept rows' bigrams by group (`groups[i]` is `kept[i]`'s), most bigrams first. */
export function bigramSources(
  kept: readonly string[],
  groups: readonly string[],
  clean: readonly string[],
): BigramShare[] {
  if (groups.length !== kept.length)
    throw new RangeError(`bigramSources: ${groups.length} groups for ${kept.length} rows`);
  const known = new Set(clean.flatMap(captionBigrams));
  const by = new Map<string, { rows: number; bigrams: number; types: Set<string> }>();
  kept.forEach((caption, i) => {
    const g = by.get(groups[i]) ?? { rows: 0, bigrams: 0, types: new Set<string>() };
    by.set(groups[i], g);
    const b = captionBigrams(caption);
    g.rows++;
    g.bigrams += b.length;
    for (const x of b) if (!known.has(x)) g.types.add(x);
  });
  return [...by.entries()]
    .map(([group, g]) => ({ group, rows: g.rows, bigrams: g.bigrams, newTypes: g.types.size }))
    .sort((a, b) => b.bigrams - a.bigrams || (a.group < b.group ? -1 : 1));
}

/** One line a person reads: each group's rows, bigrams and new types. */
export function formatBigramSources(shares: readonly BigramShare[]): string {
  if (shares.length === 0) return '';
  const parts = shares.map((s) => `${s.group} ${s.rows} · ${s.bigrams} · ${s.newTypes}`);
  return `  where the kept rows' bigrams come from (rows · bigrams · types no clean transcript has): ${parts.join('; ')}\n`;
}
