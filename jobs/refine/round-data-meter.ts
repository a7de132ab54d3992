/**
 * The dataset side of a round's record, measured one example at a time as the round's training set
 * streams past: the exported rows' trinity, what AdaTaiLr and the choice did, and (with truth) the
 * kept clean clips beside their own transcripts. Without truth it holds counts and the distinct
 * words and bigrams only, so a round of any size is measured in bounded memory.
 */
import { DiversityCounter } from '../../metrics/diversity.js';
import { DatasetMeter, type TruthJudge } from './dataset-metrics.js';
import type { RawSide } from './raw-side.js';
import type { RoundRecord } from './round-metrics.js';
import type { TrainExample } from './training-set.js';

/** The dataset-side fields of a round's record. */
export type RoundDataMetrics = Pick<
  RoundRecord,
  'dataset' | 'raw' | 'rawClean' | 'keptClean' | 'keptShare' | 'adatailr'
>;

/** A running sum and count, for a mean taken in the rows' order. */
class Mean {
  #sum = 0;
  #n = 0;
  add(x: number): void {
    this.#sum += x;
    this.#n++;
  }
  value(): number {
    return this.#n ? this.#sum / this.#n : Number.NaN;
  }
}

/** Measures a round's examples (train split only) beside the raw input's, one example at a time. */
export class RoundDataMeter {
  readonly #side: RawSide;
  readonly #dataset: DatasetMeter;
  #train = 0;
  #kept = 0;
  #reweighted = 0;
  readonly #weight = new Mean();
  readonly #gamma = new Mean();
  readonly #rho = new Mean();
  readonly #chosen: Record<string, number> = {};
  #cleanRows = 0;
  #verbatim = 0;
  readonly #cleanKept = new DiversityCounter();
  readonly #cleanTranscripts = new DiversityCounter();

  constructor(side: RawSide, judge?: TruthJudge) {
    this.#side = side;
    this.#dataset = new DatasetMeter(judge);
  }

  /** Counts one example of the round (other splits are passed over). */
  add(e: TrainExample): void {
    if (e.split !== 'train') return;
    this.#train++;
    if (!Number.isNaN(e.gamma)) this.#gamma.add(e.gamma);
    if (!Number.isNaN(e.rho)) this.#rho.add(e.rho);
    if (!(e.keep && e.caption.trim() !== '')) return;
    this.#kept++;
    this.#dataset.add({ clipId: e.clipId, caption: e.caption, source: e.captionSource });
    this.#chosen[e.captionSource] = (this.#chosen[e.captionSource] ?? 0) + 1;
    if (e.weight < 1) this.#reweighted++;
    this.#weight.add(e.weight);
    const transcript = this.#side.cleanText?.get(e.clipId);
    if (transcript !== undefined) {
      this.#cleanRows++;
      if (e.caption === transcript) this.#verbatim++;
      this.#cleanKept.add(e.caption);
      this.#cleanTranscripts.add(transcript);
    }
  }

  /** The dataset-side metrics of the examples counted so far. */
  metrics(): RoundDataMetrics {
    const side = this.#side;
    return {
      dataset: this.#dataset.report(),
      raw: side.raw,
      ...(side.rawClean ? { rawClean: side.rawClean } : {}),
      ...(side.cleanText
        ? {
            keptClean: {
              rows: this.#cleanRows,
              verbatim: this.#verbatim,
              diversity: this.#cleanKept.metrics(),
              transcripts: this.#cleanTranscripts.metrics(),
            },
          }
        : {}),
      keptShare: side.trainClips ? this.#kept / side.trainClips : 0,
      adatailr: {
        rows: this.#train,
        dropped: this.#train - this.#kept,
        reweighted: this.#reweighted,
        meanWeight: this.#weight.value(),
        gamma: this.#gamma.value(),
        rho: this.#rho.value(),
        chosen: { ...this.#chosen },
      },
    };
  }
}

/** The dataset-side metrics of a round from its examples (train split only), beside the raw input's. */
export function roundDataMetrics(rows: Iterable<TrainExample>, side: RawSide, judge?: TruthJudge): RoundDataMetrics {
  const meter = new RoundDataMeter(side, judge);
  for (const r of rows) meter.add(r);
  return meter.metrics();
}

/** A round's rows measured as a dataset beside the raw input, read a shard at a time. */
export async function measureRoundRows(
  rows: AsyncIterable<TrainExample>,
  side: RawSide,
  judge?: TruthJudge,
): Promise<RoundDataMetrics> {
  const meter = new RoundDataMeter(side, judge);
  for await (const e of rows) meter.add(e);
  return meter.metrics();
}
