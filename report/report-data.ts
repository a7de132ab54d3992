/**
 * What the report page shows: per-round trinity metrics, the noise filter, sample clips with their
 * caption history, and an errors summary. Jobs build this; `renderReportHtml` draws it.
 */

/** The paper's trinity plus noise-control figures for one refinement round. */
export interface RoundMetrics {
  round: number;
  modelVersion: string;
  quantity: { rows: number; kept: number; tokens: number };
  diversity: { distinct1: number; distinct2: number; vocabulary: number; entropy: number };
  /** Quality on the held-out split against ground-truth captions. */
  quality: { ciderD: number; bleu4: number; attributeAccuracy?: number; heldoutNll?: number };
  /** Precision/recall of the dropped rows against known-corrupted rows, when the truth is known. */
  filter?: { precision: number; recall: number; f1: number };
  /** Final adaptive γ and noise estimate ρ of this round's pre-training. */
  gamma?: number;
  noiseEstimate?: number;
  /** Training loss curve of this round (one value per logged step). */
  lossCurve?: number[];
  seconds?: number;
}

/** A small RGB8 frame to show as a thumbnail. */
export interface Thumbnail {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** One clip shown on the page with every caption it had across rounds. */
export interface SampleClip {
  clipId: string;
  thumbnails: Thumbnail[];
  asrText: string;
  groundTruth?: string;
  captions: { round: number; caption: string; weight?: number; keep?: boolean }[];
}

/** Errors of one stage and kind, with a few examples. */
export interface ErrorSummary {
  stage: string;
  kind: string;
  count: number;
  examples: { clipId: string; message: string }[];
}

/** Everything the report page needs, for one run. */
export interface ReportData {
  title: string;
  runId: string;
  createdAt: string;
  configHash: string;
  rounds: RoundMetrics[];
  /** Reference points drawn as flat lines on the quality chart (e.g. the raw ASR text's CIDEr-D). */
  baselines: { name: string; ciderD: number }[];
  samples: SampleClip[];
  errors: ErrorSummary[];
}
