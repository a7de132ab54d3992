/**
 * Read access to the frames a frames run stored, by clip id. Frames are extracted once per job and
 * reused by every round; the store reads the frames run through a side-input reader
 * (`pipeline/side-input.ts`), scanning its shards in order and keeping only a few in memory, so a
 * round whose shards line up with the frames run reads each shard once.
 */
import { openSideInput, type SideInputReader } from '../../pipeline/side-input.js';
import type { Storage } from '../../pipeline/storage.js';
import type { FrameRow, framesTable } from '../../schemas/frames.js';
import { storedFrames } from '../frames/stage.js';

/** The frames of one clip, in frame order. */
export interface StoredClipFrames {
  readonly count: number;
  readonly width: number;
  readonly height: number;
  /** Frames back to back (RGB8). */
  readonly pixels: Uint8Array;
}

/** A reader of stored frames (the frames stage's output in another run). */
export type FramesReader = SideInputReader<typeof framesTable.columns>;

/** Options of {@link FrameStore}: the frames run's storage (opened by `open()`), or an already opened reader. */
export type FrameStoreOptions = ({ readonly storage: Storage } | { readonly reader: FramesReader }) & {
  /** Shards kept decoded in memory. Default 2. */
  readonly cacheShards?: number;
};

/** Looks up stored frames by clip id. */
export class FrameStore {
  readonly #storage: Storage | undefined;
  readonly #cacheShards: number;
  #reader: FramesReader | undefined;
  #next = 0;
  readonly #where = new Map<string, string>();
  readonly #cache = new Map<string, Map<string, StoredClipFrames>>();

  constructor(opts: FrameStoreOptions) {
    if ('reader' in opts) this.#reader = opts.reader;
    else this.#storage = opts.storage;
    this.#cacheShards = opts.cacheShards ?? 2;
    if (!(Number.isInteger(this.#cacheShards) && this.#cacheShards >= 1))
      throw new RangeError(`cacheShards must be an integer >= 1, got ${this.#cacheShards}`);
  }

  /** Opens the frames run (when given its storage); fails clearly when that run never planned a frames stage. */
  async open(): Promise<void> {
    if (this.#storage) this.#reader = await openSideInput(storedFrames(this.#storage));
    this.#next = 0;
  }

  /** Frames of `clipId`, or undefined when the frames run has none (its frames stage recorded an error). */
  async get(clipId: string): Promise<StoredClipFrames | undefined> {
    const reader = this.#reader;
    if (!reader) throw new Error('frame store: get() before open()');
    for (;;) {
      const shard = this.#where.get(clipId);
      if (shard !== undefined) return (await this.#load(reader, shard)).get(clipId);
      if (this.#next >= reader.shards.length) return undefined;
      await this.#load(reader, reader.shards[this.#next++]);
    }
  }

  async #load(reader: FramesReader, shard: string): Promise<Map<string, StoredClipFrames>> {
    const hit = this.#cache.get(shard);
    if (hit) {
      this.#cache.delete(shard);
      this.#cache.set(shard, hit);
      return hit;
    }
    const byClip = new Map<string, FrameRow[]>();
    for await (const rows of reader.rows(shard)) {
      for (const row of rows) {
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
