/**
 * The opt-in downstream check of a refine round (`eval.downstream`): a probe trained on the round's
 * exported rows and scored on held-out clips, so each round shows whether its dataset trains a better
 * video-language model. Its held-out queries come from the truth table, so the probe is handed in by
 * an entry point (the benchmark's is `research/downstream/round-probe.ts`); without one the check is
 * skipped. Truth is read to measure only.
 */
import type { CaptionTokenizer } from '../../models/tokenizer.js';
import type { ClipRow } from '../../schemas/clips.js';
import type { TruthRow } from '../../schemas/truth.js';
import type { RefineConfig } from '../../config/refine.js';
import type { TrainExample } from './training-set.js';

/** One dataset's probe scores over seeds (metric name → mean, and its standard deviation). */
export interface ProbeDatasetScores {
  readonly name: string;
  readonly mean: Readonly<Record<string, number>>;
  readonly sd: Readonly<Record<string, number>>;
}

/** What one round's downstream check recorded. */
export interface RoundDownstream {
  /** The probe's settings as run (seeds, steps, batch and whatever else the probe records). */
  readonly settings: { readonly seeds: readonly number[]; readonly steps: number; readonly batch: number };
  readonly heldoutClips: number;
  /** This round's dataset, and in round 0 the raw transcripts and the upper bound beside it. */
  readonly datasets: readonly ProbeDatasetScores[];
}

/** What a probe gets for one round. */
export interface RoundProbeInput {
  readonly config: RefineConfig & { eval: { downstream: NonNullable<RefineConfig['eval']['downstream']> } };
  readonly round: number;
  readonly rows: readonly TrainExample[];
  /** The manifest's valid clips. */
  readonly clips: readonly ClipRow[];
  readonly truth: ReadonlyMap<string, TruthRow>;
  /** Directory of the job's frames run. */
  readonly framesRun: string;
  readonly tokenizer: CaptionTokenizer;
  /**
   * Worker threads for the probe's runs, always in worker threads when given (the job's thread is
   * training the captioner meanwhile). Absent: `device.workers`.
   */
  readonly workers?: number;
  readonly signal?: AbortSignal;
}

/** Runs the downstream check of one round. */
export type DownstreamProbe = (o: RoundProbeInput) => Promise<RoundDownstream>;
