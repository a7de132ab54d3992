/**
 * What the report page shows: per-round trinity of the exported dataset beside the raw input, what
 * AdaTaiLr did, the model's own held-out scores, sample clips with their caption history, and an
 * errors summary. Jobs build this; `renderReportHtml` draws it.
 */

/** One dataset version's trinity as the page draws it (quality fields absent without truth). */
export interface TrinityPoint {
  rows: number;
  tokens: number;
  vocabulary: number;
  distinct1: number;
  distinct2: number;
  entropy: number;
  contentAccuracy?: number;
  ciderD?: number;
  bleu4?: number;
}

/** One refinement round: the exported dataset's trinity, what AdaTaiLr did, and the model's own scores. */
export interface RoundMetrics {
  round: number;
  modelVersion: string;
  /** The round's exported train-split rows, measured as a dataset. */
  dataset: TrinityPoint;
  /** The same per caption source (`asr`, `title`, `synthetic`, …). */
  bySource: Record<string, TrinityPoint>;
  /** Share of the train clips exported. */
  keptShare: number;
  /** The kept clips whose transcript is clean: their captions' distinct-2 beside their own transcripts' (truth known). */
  keptClean?: { rows: number; verbatim: number; distinct2: number; transcriptsDistinct2: number };
  /** What AdaTaiLr changed: rows dropped and down-weighted, γ and ρ̂. */
  adatailr: { rows: number; dropped: number; reweighted: number; gamma: number; rho: number };
  /** The model's held-out quality against the truth — the model's, not the dataset's. */
  model?: { ciderD: number; bleu4: number; attributeAccuracy?: number };
  /**
   * The round's own kept captions of the held-out clips beside their raw ASR text, against the truth
   * (content accuracy too) or their human captions: the dataset's estimate where there is no truth.
   */
  heldoutRows?: {
    clips: number;
    kept: number;
    against: 'truth' | 'human';
    ciderD: number;
    rawCiderD: number;
    contentAccuracy?: number;
    rawContentAccuracy?: number;
  };
  /** The downstream probe trained on this round's dataset (opt-in `eval.downstream`): mean ± sd over seeds. */
  downstream?: DownstreamPoint;
  /** Training loss curve of this round (one value per epoch). */
  lossCurve?: number[];
  seconds?: number;
}

/** The retrieval probe's held-out scores for one dataset (percent; mean and sd over seeds). */
export interface DownstreamPoint {
  t2vR1: number;
  t2vR1Sd: number;
  meanR: number;
  qa: number;
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

/** One finished `schedule` tick, as the report shows it (null where the tick did not record it). */
export interface TickSummary {
  tick: number;
  /** The refine round the tick followed (-1: none). */
  round: number | null;
  clips: number | null;
  rows: number | null;
  dropped: number | null;
  errors: number | null;
  bySource: Record<string, number>;
  retrained: boolean;
  seconds: number | null;
}

/** Everything the report page needs, for one run. */
export interface ReportData {
  title: string;
  runId: string;
  createdAt: string;
  configHash: string;
  rounds: RoundMetrics[];
  /** The raw input on the same clips (every train transcript), drawn as a flat line on each chart. */
  raw?: TrinityPoint;
  /** The raw rows whose transcript is clean (truth known): the diversity to keep. */
  rawClean?: TrinityPoint;
  /** The raw ASR text's held-out CIDEr-D, beside the model's. */
  rawAsrCiderD?: number;
  /** What the model's held-out captions were scored against: the truth, or (a job without one) the held-out clips' human captions. */
  modelAgainst?: 'truth' | 'human';
  /** The downstream probe trained on the raw transcripts and on the truth captions (upper bound), when run. */
  downstreamRaw?: DownstreamPoint;
  downstreamUpper?: DownstreamPoint;
  samples: SampleClip[];
  errors: ErrorSummary[];
  /** The job's finished schedule ticks (the nights after the rounds); empty when it never ticked. */
  ticks?: TickSummary[];
}
