/**
 * The rows a round trains on, read back from the round's stored tables (the chosen caption of each
 * clip from the scores, the shard inputs) and the job's frames run. The set holds its shards' names;
 * their examples (ids, text and weights) are read shard by shard and kept in a cache of at most
 * {@link EXAMPLE_CACHE_BYTES}, and frames through one cache per frames run of at most
 * {@link FRAME_CACHE_BYTES} decoded frames. So the many epochs of a job read each shard once while
 * they fit, and memory stays bounded however many clips there are — in the job's thread and in each
 * worker thread that reopens the set. Which rows a phase may train on is decided here, once, for
 * every job: held-out clips never.
 */
import { LRUCache } from 'lru-cache';
import { readRunMeta } from '../../pipeline/ledger.js';
import { LocalStorage, type Storage } from '../../pipeline/storage.js';
import { hash32, makeRng } from '../../models/rng.js';
import { FrameStore } from '../../stages/attach-frames/frame-store.js';
import { packFrames } from '../../stages/model/caption-model.js';
import { type FrameShift, randomShift } from './frame-shift.js';
import { exampleBytes, readShardExamples, type TrainExample } from './training-shard.js';

export type { TrainExample } from './training-shard.js';

/**
 * Bytes of decoded frames kept in memory per frames run, shared by every training set over it, unless
 * the job sets `device.frame_cache_mb` (256 MiB: the `tiny` preset's frames of about 21,800 clips).
 */
export const FRAME_CACHE_BYTES = 256 * 2 ** 20;

/**
 * Bytes of examples a training set keeps in memory unless the job sets `device.row_cache_mb` (64 MiB:
 * about 125,000 rows of the demo's wording). A job with more rows reads the shards past it again each epoch.
 */
export const EXAMPLE_CACHE_BYTES = 64 * 2 ** 20;

/** How much of a round's rows and frames a thread's training sets keep in memory (bytes). */
export interface TrainingCaches {
  /** Bytes of examples each set keeps. */
  readonly cacheBytes: number;
  /** Bytes of decoded frames kept per frames run (the first set opened over it sets it). */
  readonly frameCacheBytes: number;
}

/** The caches a refine config's `device` asks for. */
export function trainingCaches(device: {
  readonly frame_cache_mb: number;
  readonly row_cache_mb: number;
}): TrainingCaches {
  return { cacheBytes: device.row_cache_mb * 2 ** 20, frameCacheBytes: device.frame_cache_mb * 2 ** 20 };
}

const frameStores = new WeakMap<Storage, Promise<FrameStore>>();

/**
 * The frame store of a frames run's storage object: one per job, shared by its training sets and
 * epochs, keeping `cacheBytes` of frames (the first caller's).
 */
function sharedFrameStore(framesRun: Storage, cacheBytes: number): Promise<FrameStore> {
  let store = frameStores.get(framesRun);
  if (!store) {
    const s = new FrameStore({ storage: framesRun, cacheBytes });
    store = s.open().then(() => s);
    store.catch(() => frameStores.delete(framesRun));
    frameStores.set(framesRun, store);
  }
  return store;
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
export interface TrainingSetSource extends TrainingCaches {
  readonly roundRun: string;
  readonly framesRun: string;
  readonly scoreStage: string;
  readonly textDropout: number;
}

/** The examples of a finished round run, grouped by shard, in a stable order, read as they are needed. */
export class TrainingSet {
  readonly #roundRun: Storage;
  readonly #scoreStage: string;
  readonly #shards: readonly string[];
  readonly #cache: LRUCache<string, TrainExample[]>;
  /** A digest of each shard's rows (id, caption, weight, keep) at open, so a re-read is checked against it. */
  readonly #opened = new Map<string, number>();
  readonly #framesRun: Storage;
  readonly #frameCacheBytes: number;
  readonly #textDropout: number;
  /** Where it was read from, when both runs are local directories (absent otherwise). */
  readonly source: TrainingSetSource | undefined;

  private constructor(o: {
    roundRun: Storage;
    scoreStage: string;
    shards: readonly string[];
    framesRun: Storage;
    textDropout: number;
    cacheBytes: number;
    frameCacheBytes: number;
  }) {
    if (!(o.textDropout >= 0 && o.textDropout <= 1))
      throw new RangeError(`training set: textDropout must be in [0, 1], got ${o.textDropout}`);
    if (!(Number.isInteger(o.cacheBytes) && o.cacheBytes >= 1))
      throw new RangeError(`training set: cacheBytes must be an integer >= 1, got ${o.cacheBytes}`);
    if (!(Number.isInteger(o.frameCacheBytes) && o.frameCacheBytes >= 1))
      throw new RangeError(`training set: frameCacheBytes must be an integer >= 1, got ${o.frameCacheBytes}`);
    this.#roundRun = o.roundRun;
    this.#scoreStage = o.scoreStage;
    this.#shards = o.shards;
    this.#framesRun = o.framesRun;
    this.#frameCacheBytes = o.frameCacheBytes;
    this.#textDropout = o.textDropout;
    this.#cache = new LRUCache<string, TrainExample[]>({
      maxSize: o.cacheBytes,
      sizeCalculation: (examples) =>
        Math.max(
          1,
          examples.reduce((n, e) => n + exampleBytes(e), 0),
        ),
    });
    const { roundRun, framesRun } = o;
    this.source =
      roundRun instanceof LocalStorage && framesRun instanceof LocalStorage
        ? {
            roundRun: roundRun.root,
            framesRun: framesRun.root,
            scoreStage: o.scoreStage,
            textDropout: o.textDropout,
            cacheBytes: o.cacheBytes,
            frameCacheBytes: o.frameCacheBytes,
          }
        : undefined;
  }

  /** Opens the set `source` describes again (in a worker thread: the set the main thread opened). */
  static reopen(source: TrainingSetSource): Promise<TrainingSet> {
    return TrainingSet.open({
      roundRun: new LocalStorage(source.roundRun),
      framesRun: new LocalStorage(source.framesRun),
      scoreStage: source.scoreStage,
      textDropout: source.textDropout,
      cacheBytes: source.cacheBytes,
      frameCacheBytes: source.frameCacheBytes,
    });
  }

  /**
   * Opens a finished round run: each clip's chosen caption (the adatailr stage's scores) joins its
   * clip row. Without scores (`scoreStage: 'none'`, the bootstrap) a clip's first candidate — its
   * transcript, else its title — is its caption. Every shard is read once here, so a shard whose
   * rows do not join fails the open, and the cache starts with as many shards as fit.
   */
  static async open(opts: {
    roundRun: Storage;
    framesRun: Storage;
    scoreStage?: string;
    textDropout?: number;
    /** Bytes of examples kept in memory. Default {@link EXAMPLE_CACHE_BYTES}. */
    cacheBytes?: number;
    /** Bytes of decoded frames kept per frames run (the first set over it decides). Default {@link FRAME_CACHE_BYTES}. */
    frameCacheBytes?: number;
  }): Promise<TrainingSet> {
    const meta = await readRunMeta(opts.roundRun);
    if (!meta) throw new Error(`training set: ${opts.roundRun.description} has no run.json (the round did not run)`);
    const set = new TrainingSet({
      roundRun: opts.roundRun,
      scoreStage: opts.scoreStage ?? 'adatailr',
      shards: [...meta.shards],
      framesRun: opts.framesRun,
      textDropout: opts.textDropout ?? 0,
      cacheBytes: opts.cacheBytes ?? EXAMPLE_CACHE_BYTES,
      frameCacheBytes: opts.frameCacheBytes ?? FRAME_CACHE_BYTES,
    });
    for (const shard of set.#shards) await set.#examples(shard);
    return set;
  }

  /**
   * A shard's examples: from the cache, else read again. A shard read again must hold the rows it
   * held at open: a round's tables changed or removed under a running job fail it, naming the shard,
   * rather than train on other rows.
   */
  async #examples(shard: string): Promise<TrainExample[]> {
    const hit = this.#cache.get(shard);
    if (hit) return hit;
    const examples = await readShardExamples(this.#roundRun, shard, this.#scoreStage);
    const digest = hash32(examples.map((e) => `${e.clipId}\t${e.caption}\t${e.weight}\t${e.keep}`).join('\n'));
    const opened = this.#opened.get(shard);
    if (opened === undefined) this.#opened.set(shard, digest);
    else if (opened !== digest)
      throw new Error(
        `training set: ${this.#roundRun.description} shard ${shard} changed since the set was opened ` +
          `(${examples.length} rows now); the round's tables must not change while a job trains on them`,
      );
    this.#cache.set(shard, examples);
    return examples;
  }

  /** Every example (no frames), in shard order: the whole set in memory at once, for measuring it. */
  async all(): Promise<TrainExample[]> {
    const out: TrainExample[] = [];
    for await (const e of this.examples()) out.push(e);
    return out;
  }

  /** Every example (no frames), in shard order, a shard at a time. */
  async *examples(): AsyncIterable<TrainExample> {
    for (const shard of this.#shards) yield* await this.#examples(shard);
  }

  /** How many examples `filter` selects. */
  async count(filter: (e: TrainExample) => boolean): Promise<number> {
    let n = 0;
    for await (const e of this.examples()) if (filter(e)) n++;
    return n;
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
    const store = await sharedFrameStore(this.#framesRun, this.#frameCacheBytes);
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
    for (const shard of shuffle([...this.#shards])) {
      for (const e of shuffle((await this.#examples(shard)).filter(opts.filter))) {
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
