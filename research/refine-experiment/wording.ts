/**
 * Whether a round kept the narration's wording, at equal size. Distinct-2 (distinct bigrams over all
 * bigrams) falls as a set of captions grows, since common bigrams repeat, so an export of 730 rows
 * against 300 clean raw transcripts is compared at different sizes. This also measures the kept rows'
 * distinct-2 on seeded samples as large as the clean set, so the two compare at equal size, and
 * measures a perfect export of the same clips (clean narration for every row) as the reference a
 * refined dataset can at best reach on the pooled measure, and the narration's own clips: the export's
 * captions of the clips whose transcript is clean against those transcripts (same clips, same size).
 */
import { diversity } from '../../metrics/diversity.js';
import { type BigramShare, bigramSources, formatBigramSources } from './bigram-sources.js';
import { mulberry32, shuffled } from '../../models/rng.js';

/** Mean distinct-2 of `samples` seeded draws of `size` texts without replacement (all of them when there are no more). */
export function distinct2AtSize(texts: readonly string[], size: number, samples = 50, seed = 1): number {
  if (texts.length === 0 || size <= 0) return Number.NaN;
  if (size >= texts.length) return diversity(texts).distinct2;
  const r = mulberry32(seed);
  let sum = 0;
  for (let k = 0; k < samples; k++) sum += diversity(shuffled(texts, r).slice(0, size)).distinct2;
  return sum / samples;
}

/** The kept rows' wording beside the clean raw transcripts'. */
export interface WordingCheck {
  readonly keptRows: number;
  readonly cleanRows: number;
  readonly keptDistinct2: number;
  readonly cleanDistinct2: number;
  /** The kept rows' distinct-2 at the clean set's size. */
  readonly keptDistinct2AtCleanSize: number;
  /** Rows of the perfect export (0 when none was given). */
  readonly perfectRows: number;
  /** Distinct-2 of a perfect export of the same clips: what a dataset of clean narration scores at that size. */
  readonly perfectDistinct2: number;
  /** Kept clips whose transcript is clean. */
  readonly cleanClipsKept: number;
  /** How many of those kept their transcript word for word. */
  readonly cleanClipsVerbatim: number;
  /** The others by the kept caption's source: how many, and how many of them are right (empty when the sources are unknown). */
  readonly cleanClipsReplaced: Readonly<Record<string, { readonly n: number; readonly right: number }>>;
  /** Their kept captions' distinct-2 over their transcripts' (same clips, same size; NaN when there are none). */
  readonly cleanClipsRatio: number;
  /** Where the kept rows' bigrams come from, by group (empty when the groups are unknown). */
  readonly bigramSources: readonly BigramShare[];
}

function replacedBySource(on: NonNullable<WordingSets['onCleanClips']>): WordingCheck['cleanClipsReplaced'] {
  const out: Record<string, { n: number; right: number }> = {};
  on.kept.forEach((c, i) => {
    const source = on.sources?.[i];
    if (source === undefined || c === on.transcripts[i]) return;
    const at = (out[source] ??= { n: 0, right: 0 });
    at.n++;
    if (on.right?.[i]) at.right++;
  });
  return out;
}

/** The caption sets the wording check compares (a loaded audit round is one). */
export interface WordingSets {
  /** The kept train captions. */
  readonly kept: readonly string[];
  /** Each kept caption's group (its source, and whether its clip's transcript is clean), when known. */
  readonly keptGroups?: readonly string[];
  /** The clean raw transcripts of the train clips. */
  readonly clean: readonly string[];
  /** A perfect export of the same clips, when known. */
  readonly perfect?: readonly string[];
  /**
   * The kept clips whose transcript is clean: their kept captions and their transcripts, in the same
   * order, with the kept caption's source and whether it is right when known.
   */
  readonly onCleanClips?: {
    readonly kept: readonly string[];
    readonly transcripts: readonly string[];
    readonly sources?: readonly string[];
    readonly right?: readonly boolean[];
  };
}

/** Measures the kept captions' distinct-2 as it is and at the clean transcripts' count, beside a perfect export's and on the clean clips. */
export function wordingCheck({
  kept,
  keptGroups,
  clean,
  perfect = [],
  onCleanClips = { kept: [], transcripts: [] },
}: WordingSets): WordingCheck {
  const cleanClipsTranscripts = diversity(onCleanClips.transcripts).distinct2;
  return {
    keptRows: kept.length,
    cleanRows: clean.length,
    keptDistinct2: diversity(kept).distinct2,
    cleanDistinct2: diversity(clean).distinct2,
    keptDistinct2AtCleanSize: distinct2AtSize(kept, clean.length),
    perfectRows: perfect.length,
    perfectDistinct2: perfect.length === 0 ? Number.NaN : diversity(perfect).distinct2,
    cleanClipsKept: onCleanClips.kept.length,
    cleanClipsVerbatim: onCleanClips.kept.filter((c, i) => c === onCleanClips.transcripts[i]).length,
    cleanClipsReplaced: replacedBySource(onCleanClips),
    cleanClipsRatio:
      cleanClipsTranscripts === 0 ? Number.NaN : diversity(onCleanClips.kept).distinct2 / cleanClipsTranscripts,
    bigramSources: keptGroups ? bigramSources(kept, keptGroups, clean) : [],
  };
}

const replaced = (w: WordingCheck): string => {
  const parts = Object.entries(w.cleanClipsReplaced)
    .sort((a, b) => b[1].n - a[1].n)
    .map(([source, x]) => `${source} ${x.n} (${x.right})`);
  return parts.length === 0 ? '' : `; the others by kept source, n (right): ${parts.join(', ')}`;
};

/** One line a person reads. */
export function formatWordingCheck(w: WordingCheck): string {
  const f = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(4));
  const ratio = (x: number): string =>
    Number.isNaN(x) || w.cleanDistinct2 === 0 ? '–' : (x / w.cleanDistinct2).toFixed(2);
  const perfect =
    w.perfectRows === 0
      ? ''
      : `  a perfect export of the ${w.perfectRows} train clips (clean transcripts kept, the others narrated from ` +
        `the truth) ${f(w.perfectDistinct2)} (${ratio(w.perfectDistinct2)} of the clean transcripts')\n`;
  const onClean =
    w.cleanClipsKept === 0
      ? ''
      : `  on the ${w.cleanClipsKept} kept clips whose transcript is clean, the kept captions' distinct-2 is ` +
        `${Number.isNaN(w.cleanClipsRatio) ? '–' : w.cleanClipsRatio.toFixed(2)} of their transcripts' ` +
        `(${w.cleanClipsVerbatim} kept word for word${replaced(w)})\n`;
  return (
    `  wording: distinct-2 of the ${w.keptRows} kept rows ${f(w.keptDistinct2)} (${ratio(w.keptDistinct2)} of ` +
    `the clean transcripts'), of the ${w.cleanRows} clean transcripts ${f(w.cleanDistinct2)}; of the kept ` +
    `rows at ${w.cleanRows} rows (50 seeded samples) ${f(w.keptDistinct2AtCleanSize)} ` +
    `(${ratio(w.keptDistinct2AtCleanSize)})\n${perfect}${onClean}${formatBigramSources(w.bigramSources)}`
  );
}
