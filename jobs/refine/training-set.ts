/**
 * The rows a round trains on, read back from the round's stored tables (captions, scores, the shard
 * inputs) and the job's frames run. Only ids, text and weights are held in memory; frames are read
 * shard by shard while an epoch streams, so memory stays flat however many clips there are.
 */
import { layout } from '../../pipeline/layout.js';
import { readRunMeta } from '../../pipeline/ledger.js';
import { readStoredRows } from '../../pipeline/parquet.js';
import type { Storage } from '../../pipeline/storage.js';
import type { CaptionRow } from '../../schemas/captions.js';
import type { ClipRow } from '../../schemas/clips.js';
import type { ScoreRow } from '../../schemas/scores.js';
import { makeRng } from '../../datagen/rng.js';
import { FrameStore } from '../../stages/attach-frames/frame-store.js';
import { clipText, packFrames } from '../../stages/model/caption-model.js';

/** One training example without its frames. */
export interface TrainExample {
  readonly clipId: string;
  readonly split: string;
  readonly text: string;
  readonly caption: string;
  readonly captionSource: string;
  /** AdaTaiLr row weight (1 when the round had no scores). */
  readonly weight: number;
  readonly keep: boolean;
  /** γ the row was scored with (NaN when the round had no scores). */
  readonly gamma: number;
}

/** A batch ready for `Trainer.step`. */
export interface TrainBatch {
  readonly clipIds: string[];
  readonly frames: Uint8Array;
  readonly text: string[];
  readonly captions: string[];
  readonly weights: number[];
}

/** The examples of a finished round run, grouped by shard, in a stable order. */
export class TrainingSet {
  readonly #shards: { shard: string; examples: TrainExample[] }[];
  readonly #framesRun: Storage;

  private constructor(shards: { shard: string; examples: TrainExample[] }[], framesRun: Storage) {
    this.#shards = shards;
    this.#framesRun = framesRun;
  }

  /**
   * Reads a round run (caption stage output + optional adatailr scores) and joins it with the
   * clips of each shard. `captionStage`/`scoreStage` name the stored outputs to read.
   */
  static async open(opts: { roundRun: Storage; framesRun: Storage; captionStage?: string; scoreStage?: string }): Promise<TrainingSet> {
    const meta = await readRunMeta(opts.roundRun);
    if (!meta) throw new Error(`training set: ${opts.roundRun.description} has no run.json (the round did not run)`);
    const captionStage = opts.captionStage ?? 'caption';
    const scoreStage = opts.scoreStage ?? 'adatailr';
    const shards: { shard: string; examples: TrainExample[] }[] = [];
    for (const shard of meta.shards) {
      const clips = new Map((await readStoredRows<ClipRow>(opts.roundRun, layout.input(shard))).map((c) => [c.clip_id, c]));
      const scores = new Map((await readStoredRows<ScoreRow>(opts.roundRun, layout.output(scoreStage, shard))).map((s) => [s.clip_id, s]));
      const examples: TrainExample[] = [];
      for (const c of await readStoredRows<CaptionRow>(opts.roundRun, layout.output(captionStage, shard))) {
        const clip = clips.get(c.clip_id);
        if (!clip) throw new Error(`training set: caption for ${c.clip_id} in ${shard} has no clip row`);
        const s = scores.get(c.clip_id);
        examples.push({
          clipId: c.clip_id,
          split: clip.split ?? 'train',
          text: clipText(clip, c.caption_source),
          caption: c.caption,
          captionSource: c.caption_source,
          weight: s ? s.adatailr_weight : 1,
          keep: s ? s.keep : true,
          gamma: s ? s.gamma : Number.NaN,
        });
      }
      shards.push({ shard, examples });
    }
    return new TrainingSet(shards, opts.framesRun);
  }

  /** Every example (no frames), in shard order. */
  all(): TrainExample[] {
    return this.#shards.flatMap((s) => s.examples);
  }

  /** How many examples `filter` selects. */
  count(filter: (e: TrainExample) => boolean): number {
    return this.#shards.reduce((n, s) => n + s.examples.filter(filter).length, 0);
  }

  /**
   * One epoch of batches over the selected examples: shards in a seeded order, rows shuffled within
   * each shard, frames read from the frames run as the epoch reaches each shard.
   */
  async *epoch(opts: { filter: (e: TrainExample) => boolean; batchSize: number; seed: number; epoch: number }): AsyncIterable<TrainBatch> {
    const store = new FrameStore({ storage: this.#framesRun });
    await store.open();
    const rng = makeRng(opts.seed, 'train-order', opts.epoch);
    const shuffle = <T>(xs: T[]): T[] => {
      for (let i = xs.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [xs[i], xs[j]] = [xs[j], xs[i]];
      }
      return xs;
    };
    let pending: { e: TrainExample; frames: Uint8Array }[] = [];
    const emit = (items: { e: TrainExample; frames: Uint8Array }[]): TrainBatch => ({
      clipIds: items.map((x) => x.e.clipId),
      frames: packFrames(items.map((x) => ({ frames: x.frames }))),
      text: items.map((x) => x.e.text),
      captions: items.map((x) => x.e.caption),
      weights: items.map((x) => x.e.weight),
    });
    for (const s of shuffle([...this.#shards])) {
      for (const e of shuffle(s.examples.filter(opts.filter))) {
        const f = await store.get(e.clipId);
        if (!f) continue; // its frames failed: recorded in the frames run's errors
        pending.push({ e, frames: f.pixels });
        if (pending.length === opts.batchSize) {
          yield emit(pending);
          pending = [];
        }
      }
    }
    if (pending.length > 0) yield emit(pending);
  }
}
