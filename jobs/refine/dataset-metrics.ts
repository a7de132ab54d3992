/**
 * The dataset's own trinity: what a round hands back, measured as data rather than through the
 * model that wrote it. Quantity (rows, tokens), diversity (vocabulary, distinct-1/2, entropy) and,
 * where a truth table is given, quality — CIDEr-D and BLEU-4 against the truth captions and, with a
 * content measure, content accuracy (wording-independent). Reported for all rows and per caption
 * source. The truth is read here to measure only; nothing that chooses, scores or trains sees it.
 */
import { bleu } from '../../metrics/bleu.js';
import { ciderD } from '../../metrics/cider.js';
import { DiversityCounter, type DiversityMetrics } from '../../metrics/diversity.js';
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

/** Quantity and diversity of rows counted one at a time. */
class TrinityCounter {
  rows = 0;
  tokens = 0;
  readonly diversity = new DiversityCounter();

  add(caption: string): void {
    this.rows++;
    this.tokens += tokenize(caption).length;
    this.diversity.add(caption);
  }
}

/**
 * Measures a dataset version one row at a time, overall and per source. Without a truth table it
 * holds only counts and the distinct words and bigrams, so a round of any size is measured in
 * bounded memory; with one (benchmarks), the rows the truth knows are kept for the quality metrics.
 */
export class DatasetMeter {
  readonly #judge: TruthJudge | undefined;
  readonly #all = new TrinityCounter();
  readonly #bySource = new Map<string, TrinityCounter>();
  readonly #known: DatasetRow[] = [];

  constructor(judge?: TruthJudge) {
    this.#judge = judge;
  }

  /** Counts one row. */
  add(row: DatasetRow): void {
    this.#all.add(row.caption);
    let source = this.#bySource.get(row.source);
    if (!source) {
      source = new TrinityCounter();
      this.#bySource.set(row.source, source);
    }
    source.add(row.caption);
    if (this.#judge?.truth.has(row.clipId)) this.#known.push(row);
  }

  /** The trinity of the rows counted so far, overall and per source. */
  report(): DatasetReport {
    const judge = this.#judge;
    const bySource: Record<string, Trinity> = {};
    for (const s of [...this.#bySource.keys()].sort()) {
      const known = this.#known.filter((r) => r.source === s);
      bySource[s] = trinityOf(this.#bySource.get(s)!, known, judge);
    }
    return { ...trinityOf(this.#all, this.#known, judge), bySource };
  }
}

/** The trinity of counted rows, with the quality of those the truth knows (`known`). */
function trinityOf(c: TrinityCounter, known: readonly DatasetRow[], judge?: TruthJudge): Trinity {
  const q = judge && known.length > 0 ? quality(known, judge) : undefined;
  return {
    quantity: { rows: c.rows, tokens: c.tokens },
    diversity: c.diversity.metrics(),
    ...(q ? { quality: q } : {}),
  };
}

/**
 * Measures one set of rows one row at a time, without the by-source split: bounded memory without a
 * truth table, as {@link DatasetMeter}; with one, the rows the truth knows are kept for quality.
 */
export class TrinityMeter {
  readonly #judge: TruthJudge | undefined;
  readonly #counter = new TrinityCounter();
  readonly #known: DatasetRow[] = [];

  constructor(judge?: TruthJudge) {
    this.#judge = judge;
  }

  /** Counts one row. */
  add(row: DatasetRow): void {
    this.#counter.add(row.caption);
    if (this.#judge?.truth.has(row.clipId)) this.#known.push(row);
  }

  /** The trinity of the rows counted so far. */
  trinity(): Trinity {
    return trinityOf(this.#counter, this.#known, this.#judge);
  }
}

/** The trinity of `rows` (quality only where a truth table is given). */
export function trinity(rows: readonly DatasetRow[], judge?: TruthJudge): Trinity {
  const meter = new TrinityMeter(judge);
  for (const r of rows) meter.add(r);
  return meter.trinity();
}

/** The trinity of a dataset version, overall and per source. */
export function datasetReport(rows: Iterable<DatasetRow>, judge?: TruthJudge): DatasetReport {
  const meter = new DatasetMeter(judge);
  for (const r of rows) meter.add(r);
  return meter.report();
}
