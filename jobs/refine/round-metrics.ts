/**
 * What a finished round records in `metrics/round-<k>.json`: the dataset's own trinity (the rows
 * the round exports, measured as data), what AdaTaiLr and the per-clip choice did, the model's
 * held-out scores (labelled as the model's), training curves, lineage and timings.
 */
import type { DiversityMetrics } from '../../metrics/diversity.js';
import type { ContentErrors } from '../../metrics/truth-measure.js';
import type { TruthQuality } from '../../metrics/truth-quality.js';
import type { TruthRow } from '../../schemas/truth.js';
import type { DatasetReport, Trinity, TruthJudge } from './dataset-metrics.js';
import type { RoundDownstream } from './downstream-eval.js';
import type { HeldoutRowsCheck } from './evaluate.js';

/** What the adatailr stage did to the round's train-split rows. */
export interface AdatailrSummary {
  /** Rows with a caption to weigh. */
  readonly rows: number;
  /** Rows dropped (no plausible candidate, or the keep policy). */
  readonly dropped: number;
  /** Kept rows whose weight is below 1 (down-weighted for the trainer). */
  readonly reweighted: number;
  readonly meanWeight: number;
  /** Mean γ the row weights were computed with, and the mean noise estimate ρ̂ it came from. */
  readonly gamma: number;
  readonly rho: number;
  /** Kept rows by the source of the chosen candidate. */
  readonly chosen: Record<string, number>;
}

/** Contents of `metrics/round-<k>.json`. */
export interface RoundRecord {
  readonly round: number;
  /** Content hash of the model version trained in this round (fold 0 when cross-fitted). */
  readonly modelVersion: string;
  readonly modelDir: string;
  /** Content hashes of every fold's model of this round. */
  readonly modelVersions: string[];
  /** Model versions that wrote and scored this round's candidates (fold order). */
  readonly scorerVersions: string[];
  /** The round's exported train-split rows, measured as a dataset (overall and per source). */
  readonly dataset: DatasetReport;
  /** The raw input on the same clips: every train-split transcript as given. */
  readonly raw: Trinity;
  /** The raw train rows whose transcript the truth says is clean (only with truth; the diversity bar). */
  readonly rawClean?: Trinity;
  /**
   * The kept clips whose transcript the truth says is clean: their exported captions beside their own
   * transcripts (same clips, same size), so whether refinement kept the narration's diversity does not
   * hang on a size-dependent measure; and how many kept the transcript word for word. Only with truth.
   */
  readonly keptClean?: {
    readonly rows: number;
    readonly verbatim: number;
    readonly diversity: DiversityMetrics;
    readonly transcripts: DiversityMetrics;
  };
  /** Share of the train clips the round exports. */
  readonly keptShare: number;
  readonly adatailr: AdatailrSummary;
  /** The model's held-out quality against the truth (the model's, not the dataset's; absent without truth). */
  readonly modelQuality?: TruthQuality;
  /** The model's held-out content accuracy and where its errors are (per attribute, per object); absent without truth or a content measure. */
  readonly modelContent?: { readonly accuracy: number; readonly errors: ContentErrors };
  /**
   * The model's content accuracy from the frames alone, on the held-out clips and on train clips it
   * trained on (the round's kept rows): far apart, it memorised its rows rather than learnt to see;
   * both far below the rows' own accuracy, it cannot fit them. Absent without truth or a measure.
   */
  readonly modelFit?: {
    readonly heldout: number;
    readonly train: number;
    readonly heldoutClips: number;
    readonly trainClips: number;
  };
  /** The opt-in downstream probe (`eval.downstream`): this round's dataset, and raw and the upper bound in round 0. */
  readonly downstream?: RoundDownstream;
  /** Held-out quality of the raw ASR text on the same clips. */
  readonly rawAsrQuality?: TruthQuality;
  /**
   * The round's own kept captions of the same held-out clips, beside their raw ASR text: the
   * dataset's quality where the job has no truth (against the clips' human captions). Absent in
   * records written before it was measured.
   */
  readonly heldoutRows?: HeldoutRowsCheck;
  readonly pretrain: { steps: number; examples: number; lossCurve: number[]; gammaCurve: number[]; rhoCurve: number[] };
  readonly finetune: { steps: number; examples: number; lossCurve: number[] };
  readonly provider: string;
  readonly trainingDataId: string;
  readonly seconds: { captionAndScore: number; train: number; eval: number };
  readonly evalClips: number;
}

/** The model's held-out captions against the truth: content accuracy and its error breakdown (undefined without a measure). */
export function modelContent(
  captions: ReadonlyMap<string, string>,
  { truth, measure }: TruthJudge,
): RoundRecord['modelContent'] {
  const ids = [...captions.keys()].filter((id) => truth.has(id));
  if (ids.length === 0 || !measure) return undefined;
  const texts = ids.map((id) => captions.get(id) as string);
  const rows = ids.map((id) => truth.get(id) as TruthRow);
  return { accuracy: measure.contentAccuracy(texts, rows), errors: measure.contentErrors(texts, rows) };
}
