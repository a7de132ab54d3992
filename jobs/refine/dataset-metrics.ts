/**
 * The dataset's own trinity: what a round hands back, measured as data rather than through the
 * model that wrote it. Quantity (rows, tokens), diversity (vocabulary, distinct-1/2, entropy) and,
 * where a truth table is given, quality — CIDEr-D and BLEU-4 against the truth captions and, with a
 * content measure, content accuracy (wording-independent). Reported for all rows and per caption
 * source. The truth is read here to measure only; nothing that chooses, scores or trains sees it.
 */
import { bleu } from '../../metrics/bleu.js';
import { ciderD } from '../../metrics/cider.js';
import { diversity, type DiversityMetrics } from '../../metrics/diversity.js';
import { tokenize } from '../../metrics/tokenize.js';
import type { TruthMeasure } from '../../metrics/truth-measure.js';
import type { TruthRow } from '../../schemas/truth.js';

/** One row of a dataset version as the metrics see it. */
export interface DatasetRow {
  readonly clipId: string;
  readonly caption: string;
  /** Where the caption came from (`asr`, `title`, `synthetic`, `previous`, `human`, `raw`, …). */
  readonly source: string;
}

/** Quality of a set of rows against the truth (content fields absent without a content measure). */
export interface DatasetQuality {
  /** Share of rows stating every object's colour, shape and motion right, whatever the wording. */
  readonly contentAccuracy?: number;
  /** The same, and every size or background the caption states is right too. */
  readonly contentStrict?: number;
  readonly ciderD: number;
  readonly bleu4: number;
}

/** The trinity of a set of rows. */
export interface Trinity {
  readonly quantity: { readonly rows: number; readonly tokens: number };
  readonly diversity: DiversityMetrics;
  /** Absent without a truth sidecar (or when no row has a truth row). */
  readonly quality?: DatasetQuality;
}

/** The trinity of a dataset version, overall and per caption source. */
export interface DatasetReport extends Trinity {
  readonly bySource: Record<string, Trinity>;
}

/** What the dataset metrics measure against: the truth table and, when known, how to read its content. */
export interface TruthJudge {
  readonly truth: ReadonlyMap<string, TruthRow>;
  readonly measure?: TruthMeasure;
}

function quality(rows: readonly DatasetRow[], { truth, measure }: TruthJudge): DatasetQuality | undefined {
  const known = rows.filter((r) => truth.has(r.clipId));
  if (known.length === 0) return undefined;
  const t = known.map((r) => truth.get(r.clipId) as TruthRow);
  const cands = known.map((r) => r.caption);
  const refs = t.map((x) => [x.gt_caption]);
  return {
    ...(measure
      ? {
          contentAccuracy: measure.contentAccuracy(cands, t),
          contentStrict: measure.contentAccuracy(cands, t, { strict: true }),
        }
      : {}),
    // CIDEr-D's document frequencies need more than one item (log #docs = 0 otherwise)
    ciderD: known.length > 1 ? ciderD(cands, refs).score : 0,
    bleu4: bleu(cands, refs).score,
  };
}

/** The trinity of `rows` (quality only where a truth table is given). */
export function trinity(rows: readonly DatasetRow[], judge?: TruthJudge): Trinity {
  const q = judge ? quality(rows, judge) : undefined;
  return {
    quantity: { rows: rows.length, tokens: rows.reduce((n, r) => n + tokenize(r.caption).length, 0) },
    diversity: diversity(rows.map((r) => r.caption)),
    ...(q ? { quality: q } : {}),
  };
}

/** The trinity of a dataset version, overall and per source. */
export function datasetReport(rows: readonly DatasetRow[], judge?: TruthJudge): DatasetReport {
  const sources = [...new Set(rows.map((r) => r.source))].sort();
  const bySource: Record<string, Trinity> = {};
  for (const s of sources)
    bySource[s] = trinity(
      rows.filter((r) => r.source === s),
      judge,
    );
  return { ...trinity(rows, judge), bySource };
}
