/** The data the downstream evaluation takes and returns (all JSON-serialisable). */
import type { CaptionAttrs } from '../benchmark/grammar.js';
import type { QaKind } from './qa.js';
import type { QueryWording, ScoredWording } from './wordings.js';

/** One training pair of a dataset: a clip, its text, and its row weight (1 when the dataset has none). */
export interface DownstreamRow {
  readonly clip_id: string;
  readonly caption: string;
  readonly weight: number;
}

/** One dataset version to compare. */
export interface DownstreamDataset {
  /** Unique name in the table (`raw`, `round-0`, `upper-bound`…). */
  readonly name: string;
  readonly rows: readonly DownstreamRow[];
  /** Where it came from (a path), for messages and the report. */
  readonly source?: string;
}

/** A held-out clip with its truth: the query text and the attributes the QA questions come from. */
export interface HeldoutClip {
  readonly clip_id: string;
  readonly truthCaption: string;
  readonly attrs: CaptionAttrs;
}

/** Metric names of one probe run, flat so they average and serialise simply. */
export const METRICS = [
  't2v_r1',
  't2v_r5',
  't2v_r10',
  't2v_mdr',
  'v2t_r1',
  'v2t_r5',
  'v2t_r10',
  'v2t_mdr',
  'mean_r',
  'qa_colour',
  'qa_shape',
  'qa_motion',
  'qa_background',
  'qa_all',
] as const;

/** One metric name. */
export type MetricName = (typeof METRICS)[number];

/** A value per metric (recalls and accuracies in percent; MdR in ranks). `mean_r` = mean of the six recalls. */
export type MetricVector = Readonly<Record<MetricName, number>>;

/** The QA metric of a question kind. */
export const qaMetric = (k: QaKind | 'all'): MetricName => `qa_${k}`;

/** One trained probe: a dataset, a seed, and what it scored. */
export interface DownstreamRun {
  readonly dataset: string;
  readonly seed: number;
  /** The scores in the comparison's query wording (with `both`, the mean of the two). */
  readonly metrics: MetricVector;
  /** The scores in each wording, when both were scored. */
  readonly byWording?: Readonly<Record<ScoredWording, MetricVector>>;
  /** Mean training loss per tenth of the run. */
  readonly lossCurve: readonly number[];
  readonly finalLogitScale: number;
  readonly seconds: number;
}

/** Share of the baseline → upper-bound gap a dataset closes (0 = baseline, 1 = upper bound); null when undefined. */
export interface GapClosed {
  readonly mean_r: number | null;
  readonly qa_all: number | null;
}

/** A dataset's scores over seeds. */
export interface DatasetSummary {
  readonly name: string;
  readonly source: string | null;
  readonly rows: number;
  /** Sum of row weights (= rows when unweighted). */
  readonly weightSum: number;
  readonly mean: MetricVector;
  readonly sd: MetricVector;
  /** Mean over seeds in each wording, when both were scored. */
  readonly byWording?: Readonly<Record<ScoredWording, MetricVector>>;
  readonly gapClosed: GapClosed;
}

/** Settings of a comparison, as run. */
export interface DownstreamSettings {
  readonly seeds: readonly number[];
  readonly steps: number;
  readonly batch: number;
  readonly lr: number;
  readonly threads: number;
  readonly weighted: boolean;
  /** The held-out queries' and answer options' wording (reports without it scored `canonical`). */
  readonly queries: QueryWording;
  readonly vocabSize: number;
  readonly probe: {
    readonly dModel: number;
    readonly textLayers: number;
    readonly frames: number;
    readonly frameSize: number;
    readonly patch: number;
    readonly maxTextLen: number;
  };
}

/** What {@link evaluateDownstream} returns (JSON-serialisable). */
export interface DownstreamResult {
  readonly format: 'flywheel-downstream/1';
  readonly settings: DownstreamSettings;
  readonly heldout: { readonly clips: number; readonly questions: number };
  /** What an uninformed model scores on this held-out set. */
  readonly chance: MetricVector;
  /** Dataset the gap is measured from, and to (null when absent). */
  readonly baseline: string | null;
  readonly upperBound: string | null;
  readonly datasets: readonly DatasetSummary[];
  readonly runs: readonly DownstreamRun[];
  /** Execution provider of the probe's sessions. */
  readonly provider: string;
  readonly seconds: number;
}
