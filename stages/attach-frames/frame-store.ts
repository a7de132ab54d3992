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
  /** Shards kept decoded in memory, at least. Default 2. */
  readonly cacheShards?: number;
  /**
   * Bytes of decoded frames the cache may hold beyond `cacheShards` shards (the least recently used
   * shard goes first). Default 0. A reader that passes over the same clips again (training epochs)
   * decodes each shard once while they fit.
   */
  readonly cacheBytes?: number;
};

/** Looks up stored frames by clip id. */
export class FrameStore {
  readonly #storage: Storage | undefined;
  readonly #cacheShards: number;
  readonly #cacheBytes: number;
  #cachedBytes = 0;
  #reader: FramesReader | undefined;
  #next = 0;
  readonly #where = new Map<string, string>();
  readonly #cache = new Map<string, { clips: Map<string, StoredClipFrames>; bytes: number }>();

  constructor(opts: FrameStoreOptions) {
    if ('reader' in opts) this.#reader = opts.reader;
    else this.#storage = opts.storage;
    this.#cacheShards = opts.cacheShards ?? 2;
    this.#cacheBytes = opts.cacheBytes ?? 0;
    if (!(Number.isInteger(this.#cacheShards) && this.#cacheShards >= 1))
      throw new RangeError(`cacheShards must be an integer >= 1, got ${this.#cacheShards}`);
    if (!(Number.isFinite(this.#cacheBytes) && this.#cacheBytes >= 0))
      throw new RangeError(`cacheBytes must be a finite number >= 0, got ${this.#cacheBytes}`);
  }

  /** Bytes of decoded frames it keeps beyond its last `cacheShards` shards: its memory budget. */
  get cacheBytes(): number {
    return this.#cacheBytes;
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
      return hit.clips;
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
    let bytes = 0;
    for (const [clipId, rows] of byClip) {
      rows.sort((a, b) => a.frame_index - b.frame_index);
      const { width, height } = rows[0];
      const size = width * height * 3;
      const pixels = new Uint8Array(rows.length * size);
      rows.forEach((r, i) => pixels.set(r.pixels, i * size));
      clips.set(clipId, { count: rows.length, width, height, pixels });
      bytes += pixels.byteLength;
      this.#where.set(clipId, shard);
    }
    this.#cache.set(shard, { clips, bytes });
    this.#cachedBytes += bytes;
    // least recently used first, while more than `cacheShards` shards and more than `cacheBytes` bytes are held
    for (const [key, entry] of this.#cache) {
      if (this.#cache.size <= this.#cacheShards || this.#cachedBytes <= this.#cacheBytes) break;
      this.#cache.delete(key);
      this.#cachedBytes -= entry.bytes;
    }
    return clips;
  }
}
