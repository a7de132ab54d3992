/**
 * The rows a round trains on, read back from the round's stored tables (the chosen caption of each
 * clip from the scores, the shard inputs) and the job's frames run. Ids, text and weights are held
 * in memory; frames are read shard by shard while an epoch streams, through one cache per frames run
 * of at most {@link FRAME_CACHE_BYTES} decoded frames, so the many epochs of a job decode each shard
 * once while they fit and memory stays bounded however many clips there are. Which rows a phase may
 * train on is decided here, once, for every job: held-out clips never.
 */
import { layout } from '../../pipeline/layout.js';
import { readRunMeta } from '../../pipeline/ledger.js';
import { readStoredRows } from '../../pipeline/parquet.js';
import { LocalStorage, type Storage } from '../../pipeline/storage.js';
import type { CaptionRow } from '../../schemas/captions.js';
import type { ClipRow } from '../../schemas/clips.js';
import type { ScoreRow } from '../../schemas/scores.js';
import { makeRng } from '../../models/rng.js';
import { FrameStore } from '../../stages/attach-frames/frame-store.js';
import { clipText, packFrames } from '../../stages/model/caption-model.js';
import { type FrameShift, randomShift } from './frame-shift.js';

/**
 * Bytes of decoded frames kept in memory per frames run, shared by every training set over it
 * (256 MiB: the `tiny` preset's frames of about 21,800 clips).
 */
export const FRAME_CACHE_BYTES = 256 * 2 ** 20;

const frameStores = new WeakMap<Storage, Promise<FrameStore>>();

/** The frame store of a frames run's storage object: one per job, shared by its training sets and epochs. */
function sharedFrameStore(framesRun: Storage): Promise<FrameStore> {
  let store = frameStores.get(framesRun);
  if (!store) {
    const s = new FrameStore({ storage: framesRun, cacheBytes: FRAME_CACHE_BYTES });
    store = s.open().then(() => s);
    store.catch(() => frameStores.delete(framesRun));
    frameStores.set(framesRun, store);
  }
  return store;
}

/** One training example without its frames. */
export interface TrainExample {
  readonly clipId: string;
  readonly split: string;
  readonly text: string;
  readonly caption: string;
  readonly captionSource: string;
  /** AdaTaiLr row weight of the chosen caption (1 when the round had no scores). */
  readonly weight: number;
  readonly keep: boolean;
  /** γ the row was scored with (NaN when the round had no scores). */
  readonly gamma: number;
  /** The noise estimate ρ̂ that γ came from (NaN when the round had no scores). */
  readonly rho: number;
}

/** A batch ready for `Trainer.step`. */
export interface TrainBatch {
  readonly clipIds: string[];
  readonly frames: Uint8Array;
  readonly text: string[];
  readonly captions: string[];
  readonly weights: number[];
}

/** Where a training set on local disk was read from: enough for another thread to open the same set. */
export interface TrainingSetSource {
  readonly roundRun: string;
  readonly framesRun: string;
  readonly scoreStage: string;
  readonly textDropout: number;
}

/** The examples of a finished round run, grouped by shard, in a stable order. */
export class TrainingSet {
  readonly #shards: { shard: string; examples: TrainExample[] }[];
  readonly #framesRun: Storage;
  readonly #textDropout: number;
  /** Where it was read from, when both runs are local directories (absent otherwise). */
  readonly source: TrainingSetSource | undefined;

  private constructor(
    shards: { shard: string; examples: TrainExample[] }[],
    framesRun: Storage,
    textDropout: number,
    source: TrainingSetSource | undefined,
  ) {
    if (!(textDropout >= 0 && textDropout <= 1))
      throw new RangeError(`training set: textDropout must be in [0, 1], got ${textDropout}`);
    this.#shards = shards;
    this.#framesRun = framesRun;
    this.#textDropout = textDropout;
    this.source = source;
  }

  /** Opens the set `source` describes again (in a worker thread: the set the main thread opened). */
  static reopen(source: TrainingSetSource): Promise<TrainingSet> {
    return TrainingSet.open({
      roundRun: new LocalStorage(source.roundRun),
      framesRun: new LocalStorage(source.framesRun),
      scoreStage: source.scoreStage,
      textDropout: source.textDropout,
    });
  }

  /**
   * Reads a round run and joins each clip's chosen caption (the adatailr stage's scores) with its
   * clip row. Without scores (`scoreStage: 'none'`, the bootstrap) a clip's first candidate — its
   * transcript, else its title — is its caption.
   */
  static async open(opts: {
    roundRun: Storage;
    framesRun: Storage;
    scoreStage?: string;
    textDropout?: number;
  }): Promise<TrainingSet> {
    const meta = await readRunMeta(opts.roundRun);
    if (!meta) throw new Error(`training set: ${opts.roundRun.description} has no run.json (the round did not run)`);
    const scoreStage = opts.scoreStage ?? 'adatailr';
    const shards: { shard: string; examples: TrainExample[] }[] = [];
    for (const shard of meta.shards) {
      const clips = new Map(
        (await readStoredRows<ClipRow>(opts.roundRun, layout.input(shard))).map((c) => [c.clip_id, c]),
      );
      const chosen: {
        clipId: string;
        caption: string;
        source: string;
        weight: number;
        keep: boolean;
        gamma: number;
        rho: number;
      }[] =
        scoreStage === 'none'
          ? (await readStoredRows<CaptionRow>(opts.roundRun, layout.output('caption', shard))).map((c) => ({
              clipId: c.clip_id,
              caption: c.candidate_captions[0] ?? '',
              source: c.candidate_sources[0] ?? '',
              weight: 1,
              keep: true,
              gamma: Number.NaN,
              rho: Number.NaN,
            }))
          : (await readStoredRows<ScoreRow>(opts.roundRun, layout.output(scoreStage, shard))).map((s) => ({
              clipId: s.clip_id,
              caption: s.caption,
              source: s.caption_source,
              weight: s.adatailr_weight,
              keep: s.keep,
              gamma: s.gamma,
              rho: s.rho,
            }));
      const examples: TrainExample[] = [];
      for (const c of chosen) {
        const clip = clips.get(c.clipId);
        if (!clip) throw new Error(`training set: caption for ${c.clipId} in ${shard} has no clip row`);
        examples.push({
          clipId: c.clipId,
          split: clip.split ?? 'train',
          text: clipText(clip, c.source),
          caption: c.caption,
          captionSource: c.source,
          weight: c.weight,
          keep: c.keep,
          gamma: c.gamma,
          rho: c.rho,
        });
      }
      shards.push({ shard, examples });
    }
    const textDropout = opts.textDropout ?? 0;
    const { roundRun, framesRun } = opts;
    const source =
      roundRun instanceof LocalStorage && framesRun instanceof LocalStorage
        ? { roundRun: roundRun.root, framesRun: framesRun.root, scoreStage, textDropout }
        : undefined;
    return new TrainingSet(shards, opts.framesRun, textDropout, source);
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
   * each shard, frames read from the frames run as the epoch reaches each shard. A seeded share
   * (`textDropout`) of the rows is shown without its text, so the model also learns frames alone;
   * with `frameShift`, each clip's frames are moved by a seeded few pixels.
   */
  async *epoch(opts: {
    filter: (e: TrainExample) => boolean;
    batchSize: number;
    seed: number;
    epoch: number;
    textDropout?: number;
    frameShift?: FrameShift;
  }): AsyncIterable<TrainBatch> {
    const dropout = opts.textDropout ?? this.#textDropout;
    const store = await sharedFrameStore(this.#framesRun);
    const rng = makeRng(opts.seed, 'train-order', opts.epoch);
    const dropRng = makeRng(opts.seed, 'text-dropout', opts.epoch);
    const shiftRng = makeRng(opts.seed, 'frame-shift', opts.epoch);
    const shift = opts.frameShift;
    const framesOf = (x: { frames: Uint8Array }): Uint8Array =>
      shift && shift.max > 0 ? randomShift(x.frames, shift, shiftRng) : x.frames;
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
      frames: packFrames(items.map((x) => ({ frames: framesOf(x) }))),
      text: items.map((x) => (dropRng.chance(dropout) ? '' : x.e.text)),
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

/** Rows a pre-training phase may learn from: kept, non-empty, machine-captioned rows outside the held-out split. */
export const trainableExample = (e: TrainExample): boolean =>
  e.split !== 'heldout' && e.keep && e.caption.trim() !== '' && e.captionSource !== 'human';

/** Rows a fine-tuning phase learns from: human captions outside the held-out split, whatever the clip's columns. */
export const humanExample = (e: TrainExample): boolean =>
  e.split !== 'heldout' && e.captionSource === 'human' && e.caption.trim() !== '';
