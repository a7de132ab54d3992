/**
 * The benchmark's downstream check of a refine round (`eval.downstream`): train the retrieval probe on
 * the round's exported rows — and, in round 0, on the raw transcripts and the truth captions of
 * the same clips (the upper bound) — and score it on the held-out clips, so each round shows
 * whether its dataset trains a better video-language model. Truth is read to measure only.
 */
import type { DownstreamProbe, RoundDownstream } from '../../jobs/refine/downstream-eval.js';
import {
  evaluateDownstream,
  frameRunSource,
  heldoutSet,
  rawDataset,
  upperBoundDataset,
  type DownstreamDataset,
} from './index.js';
import { workerCount } from '../../pipeline/thread-pool.js';
import { DEFAULT_QUERIES } from './wordings.js';

/** The benchmark's downstream probe for one refine round (see the module comment). */
export const roundDownstream: DownstreamProbe = async (o): Promise<RoundDownstream> => {
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
      ? [
          rawDataset(o.clips, o.config.manifest).dataset,
          round,
          upperBoundDataset(o.clips, o.truth, truthPath, 'upper-bound', DEFAULT_QUERIES),
        ]
      : [round];
  const r = await evaluateDownstream({
    datasets,
    heldout: heldoutSet(o.clips, o.truth, truthPath),
    frames: await frameRunSource(o.framesRun),
    seeds: d.seeds,
    steps: d.steps,
    batch: d.batch,
    threads: 1,
    workers: o.workers ?? workerCount(o.config.device.workers),
    inWorkers: o.workers !== undefined,
    tokenizer: o.tokenizer,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { settings: r.settings, heldoutClips: r.heldout.clips, datasets: r.datasets };
};
