/**
 * The opt-in downstream check of a refine round (`eval.downstream`): train the retrieval probe on
 * the round's exported rows — and, in round 0, on the raw transcripts and the truth captions of
 * the same clips (the upper bound) — and score it on the held-out clips, so each round shows
 * whether its dataset trains a better video-language model. Truth is read to measure only.
 */
import type { TruthRow } from '../../datagen/truth.js';
import type { CaptionTokenizer } from '../../models/tokenizer.js';
import type { ClipRow } from '../../schemas/clips.js';
import {
  evaluateDownstream,
  frameRunSource,
  heldoutSet,
  rawDataset,
  upperBoundDataset,
  type DatasetSummary,
  type DownstreamDataset,
  type DownstreamSettings,
} from '../downstream/index.js';
import type { RefineConfig } from '../../config/refine.js';
import type { TrainExample } from './training-set.js';

/** What one round's downstream check recorded. */
export interface RoundDownstream {
  readonly settings: DownstreamSettings;
  readonly heldoutClips: number;
  /** This round's dataset, and in round 0 the raw transcripts and the upper bound beside it. */
  readonly datasets: readonly DatasetSummary[];
}

/** Runs the probe for one round (see the module comment). */
export async function roundDownstream(o: {
  config: RefineConfig & { eval: { downstream: NonNullable<RefineConfig['eval']['downstream']> } };
  round: number;
  rows: readonly TrainExample[];
  clips: readonly ClipRow[];
  truth: ReadonlyMap<string, TruthRow>;
  framesRun: string;
  tokenizer: CaptionTokenizer;
  signal?: AbortSignal;
}): Promise<RoundDownstream> {
  const d = o.config.eval.downstream;
  const round: DownstreamDataset = {
    name: `round-${o.round}`,
    rows: o.rows
      .filter((e) => e.split !== 'heldout' && e.keep && e.caption.trim() !== '')
      .map((e) => ({ clip_id: e.clipId, caption: e.caption, weight: e.weight })),
  };
  const truthPath = o.config.truth ?? 'truth';
  const datasets =
    o.round === 0
      ? [rawDataset(o.clips, o.config.manifest).dataset, round, upperBoundDataset(o.clips, o.truth, truthPath)]
      : [round];
  const r = await evaluateDownstream({
    datasets,
    heldout: heldoutSet(o.clips, o.truth, truthPath),
    frames: await frameRunSource(o.framesRun),
    seeds: d.seeds,
    steps: d.steps,
    batch: d.batch,
    threads: 1,
    tokenizer: o.tokenizer,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { settings: r.settings, heldoutClips: r.heldout.clips, datasets: r.datasets };
}
