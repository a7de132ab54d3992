/**
 * The rows a round trains on, read back from the round's stored tables (the chosen caption of each
 * clip from the scores, the shard inputs) and the job's frames run — or, for a retraining schedule
 * tick, from several such runs at once, each with its own frames run. The set holds its shards'
 * names; their examples (ids, text and weights) are read shard by shard and kept in a cache of at most
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
import { packFrames } from '../../stages/model/caption-model.js';
import { type FrameShift, randomShift } from './frame-shift.js';
import { sharedFrameStore } from './shared-frame-store.js';
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

/** A batch ready for `Trainer.step`. */
export interface TrainBatch {
  readonly clipIds: string[];
  readonly frames: Uint8Array;
  readonly text: string[];
  readonly captions: string[];
  readonly weights: number[];
}

/** How a training set reads its runs. */
export interface TrainingSetOptions {
  readonly scoreStage?: string;
  readonly textDropout?: number;
  /** Bytes of examples kept in memory. Default {@link EXAMPLE_CACHE_BYTES}. */
  readonly cacheBytes?: number;
  /**
   * Bytes of decoded frames kept per frames run (the first set over it decides), split evenly between
   * a set's frames runs when it reads several. Default {@link FRAME_CACHE_BYTES}.
   */
  readonly frameCacheBytes?: number;
}

/** Where a training set on local disk was read from: enough for another thread to open the same set. */
export interface TrainingSetSource extends TrainingCaches {
  readonly roundRun: string;
  readonly framesRun: string;
  readonly scoreStage: string;
  readonly textDropout: number;
}

/** One finished run a training set reads: its tables and the frames run its clips' frames are in. */
export interface TrainingPart {
  readonly roundRun: Storage;
  readonly framesRun: Storage;
}

/** A shard of one part. */
interface ShardRef {
  readonly part: number;
  readonly shard: string;
}

/**
 * The examples of one or more finished runs (a round's; a schedule's round and ticks), grouped by
 * shard, in a stable order, read as they are needed.
 */
export class TrainingSet {
  readonly #parts: readonly TrainingPart[];
  readonly #scoreStage: string;
  readonly #shards: readonly ShardRef[];
  readonly #cache: LRUCache<string, TrainExample[]>;
  /** A digest of each shard's rows (id, caption, weight, keep) at open, so a re-read is checked against it. */
  readonly #opened = new Map<string, number>();
  readonly #frameCacheBytes: number;
  readonly #textDropout: number;
  /** Where it was read from, when it is one part and both its runs are local directories (absent otherwise). */
  readonly source: TrainingSetSource | undefined;

  private constructor(o: {
    parts: readonly TrainingPart[];
    scoreStage: string;
    shards: readonly ShardRef[];
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
    this.#parts = o.parts;
    this.#scoreStage = o.scoreStage;
    this.#shards = o.shards;
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
    const [only] = o.parts;
    this.source =
      o.parts.length === 1 && only.roundRun instanceof LocalStorage && only.framesRun instanceof LocalStorage
        ? {
            roundRun: only.roundRun.root,
            framesRun: only.framesRun.root,
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
  static open(opts: TrainingPart & TrainingSetOptions): Promise<TrainingSet> {
    return TrainingSet.openParts([{ roundRun: opts.roundRun, framesRun: opts.framesRun }], opts);
  }

  /** {@link TrainingSet.open} over several finished runs at once, as one set: their shards in turn. */
  static async openParts(parts: readonly TrainingPart[], opts: TrainingSetOptions = {}): Promise<TrainingSet> {
    const shards: ShardRef[] = [];
    for (const [part, { roundRun }] of parts.entries()) {
      const meta = await readRunMeta(roundRun);
      if (!meta) throw new Error(`training set: ${roundRun.description} has no run.json (the round did not run)`);
      shards.push(...meta.shards.map((shard) => ({ part, shard })));
    }
    const set = new TrainingSet({
      parts,
      scoreStage: opts.scoreStage ?? 'adatailr',
      shards,
      textDropout: opts.textDropout ?? 0,
      cacheBytes: opts.cacheBytes ?? EXAMPLE_CACHE_BYTES,
      frameCacheBytes: opts.frameCacheBytes ?? FRAME_CACHE_BYTES,
    });
    for (const ref of set.#shards) await set.#examples(ref);
    return set;
  }

  /**
   * A shard's examples: from the cache, else read again. A shard read again must hold the rows it
   * held at open: a round's tables changed or removed under a running job fail it, naming the shard,
   * rather than train on other rows.
   */
  async #examples(ref: ShardRef): Promise<TrainExample[]> {
    const key = `${ref.part}/${ref.shard}`;
    const hit = this.#cache.get(key);
    if (hit) return hit;
    const run = this.#parts[ref.part].roundRun;
    const examples = await readShardExamples(run, ref.shard, this.#scoreStage);
    const digest = hash32(examples.map((e) => `${e.clipId}\t${e.caption}\t${e.weight}\t${e.keep}`).join('\n'));
    const opened = this.#opened.get(key);
    if (opened === undefined) this.#opened.set(key, digest);
    else if (opened !== digest)
      throw new Error(
        `training set: ${run.description} shard ${ref.shard} changed since the set was opened ` +
          `(${examples.length} rows now); the round's tables must not change while a job trains on them`,
      );
    this.#cache.set(key, examples);
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
    for (const ref of this.#shards) yield* await this.#examples(ref);
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
    for (const ref of shuffle([...this.#shards])) {
      // one budget however many nights of ticks the set reads
      const budget = Math.max(1, Math.floor(this.#frameCacheBytes / this.#parts.length));
      const store = await sharedFrameStore(this.#parts[ref.part].framesRun, budget);
      for (const e of shuffle((await this.#examples(ref)).filter(opts.filter))) {
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
