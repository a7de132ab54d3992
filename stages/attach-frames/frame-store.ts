/**
 * Read access to the frames a frames run stored, by clip id. Frames are extracted once per job and
 * reused by every round; the store scans the frames run's shard outputs in order and keeps only a
 * few shards in memory, so a round whose shards line up with the frames run reads each shard once.
 */
import type { FrameRow } from '../../schemas/frames.js';
import { batchToRows } from '../../pipeline/arrow.js';
import { readRunMeta } from '../../pipeline/ledger.js';
import { layout } from '../../pipeline/layout.js';
import { readParquetBatches } from '../../pipeline/parquet.js';
import type { Storage } from '../../pipeline/storage.js';

/** The frames of one clip, in frame order. */
export interface StoredClipFrames {
  readonly count: number;
  readonly width: number;
  readonly height: number;
  /** Frames back to back (RGB8). */
  readonly pixels: Uint8Array;
}

/** Options of {@link FrameStore}. */
export interface FrameStoreOptions {
  /** Storage of the frames run directory. */
  readonly storage: Storage;
  /** Name of the stage that wrote the frames. Default `frames`. */
  readonly stage?: string;
  /** Shards kept decoded in memory. Default 2. */
  readonly cacheShards?: number;
}

/** Looks up stored frames by clip id. */
export class FrameStore {
  readonly #storage: Storage;
  readonly #stage: string;
  readonly #cacheShards: number;
  #shards: string[] = [];
  #next = 0;
  readonly #where = new Map<string, string>();
  readonly #cache = new Map<string, Map<string, StoredClipFrames>>();

  constructor(opts: FrameStoreOptions) {
    this.#storage = opts.storage;
    this.#stage = opts.stage ?? 'frames';
    this.#cacheShards = opts.cacheShards ?? 2;
    if (!(Number.isInteger(this.#cacheShards) && this.#cacheShards >= 1))
      throw new RangeError(`cacheShards must be an integer >= 1, got ${this.#cacheShards}`);
  }

  /** Reads the frames run's shard list; fails clearly when that run never finished planning. */
  async open(): Promise<void> {
    const meta = await readRunMeta(this.#storage);
    if (!meta)
      throw new Error(`frame store: ${this.#storage.description} has no run.json — run the frames stage first`);
    if (!meta.stages.some((s) => s.name === this.#stage)) {
      throw new Error(
        `frame store: run ${this.#storage.description} has no stage ${JSON.stringify(this.#stage)} (stages: ${meta.stages.map((s) => s.name).join(', ')})`,
      );
    }
    this.#shards = [...meta.shards];
    this.#next = 0;
  }

  /** Frames of `clipId`, or undefined when the frames run has none (its frames stage recorded an error). */
  async get(clipId: string): Promise<StoredClipFrames | undefined> {
    for (;;) {
      const shard = this.#where.get(clipId);
      if (shard !== undefined) return (await this.#load(shard)).get(clipId);
      if (this.#next >= this.#shards.length) return undefined;
      await this.#load(this.#shards[this.#next++]);
    }
  }

  async #load(shard: string): Promise<Map<string, StoredClipFrames>> {
    const hit = this.#cache.get(shard);
    if (hit) {
      this.#cache.delete(shard);
      this.#cache.set(shard, hit);
      return hit;
    }
    const key = layout.output(this.#stage, shard);
    if (!(await this.#storage.exists(key))) {
      throw new Error(
        `frame store: ${this.#storage.description}/${key} is missing — the frames run did not finish shard ${shard}`,
      );
    }
    const byClip = new Map<string, FrameRow[]>();
    for await (const batch of readParquetBatches(await this.#storage.openBlob(key))) {
      for (const row of batchToRows<FrameRow>(batch)) {
        const list = byClip.get(row.clip_id) ?? [];
        list.push(row);
        byClip.set(row.clip_id, list);
      }
    }
    const clips = new Map<string, StoredClipFrames>();
    for (const [clipId, rows] of byClip) {
      rows.sort((a, b) => a.frame_index - b.frame_index);
      const { width, height } = rows[0];
      const size = width * height * 3;
      const pixels = new Uint8Array(rows.length * size);
      rows.forEach((r, i) => pixels.set(r.pixels, i * size));
      clips.set(clipId, { count: rows.length, width, height, pixels });
      this.#where.set(clipId, shard);
    }
    this.#cache.set(shard, clips);
    while (this.#cache.size > this.#cacheShards) this.#cache.delete(this.#cache.keys().next().value as string);
    return clips;
  }
}
