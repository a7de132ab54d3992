/**
 * Writes WebDataset tar shards with `tar-stream`: samples go into `shard-000000.tar`,
 * `shard-000001.tar`, … holding `shardSize` samples each (the last may hold fewer). Entries have
 * fixed owner, mode and mtime so a shard's bytes, and its sha256, depend only on its samples.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack, type Pack } from 'tar-stream';

/** One file of a sample: `<key>.<field>` in the tar. */
export interface SampleFile {
  /** The field after the key, with its extension (`mp4`, `json`, `frame-000.jpg`). */
  readonly field: string;
  readonly data: Uint8Array;
}

/** A finished shard, as `metadata.json` lists it. */
export interface ShardInfo {
  readonly name: string;
  readonly samples: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** Fixed mtime of every entry (reproducible shards). */
const MTIME = new Date('2000-01-01T00:00:00Z');

interface OpenShard {
  readonly name: string;
  readonly pack: Pack;
  readonly done: Promise<void>;
  readonly hash: ReturnType<typeof createHash>;
  bytes: number;
  samples: number;
}

/** Rolls samples into shards of a fixed sample count under `dir`. */
export class ShardWriter {
  readonly #dir: string;
  readonly #shardSize: number;
  readonly #done: ShardInfo[] = [];
  #open: OpenShard | undefined;

  constructor(dir: string, shardSize: number) {
    if (!Number.isInteger(shardSize) || shardSize < 1)
      throw new Error(`shard size must be a positive integer (got ${shardSize})`);
    this.#dir = dir;
    this.#shardSize = shardSize;
  }

  #start(): OpenShard {
    const name = `shard-${String(this.#done.length).padStart(6, '0')}.tar`;
    const p = pack();
    const hash = createHash('sha256');
    const shard: OpenShard = { name, pack: p, hash, bytes: 0, samples: 0, done: Promise.resolve() };
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        shard.bytes += chunk.length;
        cb(null, chunk);
      },
    });
    return Object.assign(shard, { done: pipeline(p, tap, createWriteStream(join(this.#dir, name))) });
  }

  /** Adds one sample's files under `key` (no dots: WebDataset splits the key at the first dot). */
  async add(key: string, files: readonly SampleFile[]): Promise<void> {
    if (key.includes('.') || key.includes('/')) throw new Error(`sample key ${JSON.stringify(key)} has a dot or slash`);
    const shard = (this.#open ??= this.#start());
    for (const f of files) {
      await new Promise<void>((resolve, reject) =>
        shard.pack.entry(
          { name: `${key}.${f.field}`, size: f.data.byteLength, mtime: MTIME, mode: 0o644, uid: 0, gid: 0 },
          Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength),
          (err) => (err ? reject(err) : resolve()),
        ),
      );
    }
    shard.samples++;
    if (shard.samples >= this.#shardSize) await this.#finish();
  }

  async #finish(): Promise<void> {
    const shard = this.#open;
    if (!shard) return;
    this.#open = undefined;
    shard.pack.finalize();
    await shard.done;
    this.#done.push({ name: shard.name, samples: shard.samples, bytes: shard.bytes, sha256: shard.hash.digest('hex') });
  }

  /** Finishes the last shard; returns every shard written. */
  async close(): Promise<ShardInfo[]> {
    await this.#finish();
    return [...this.#done];
  }
}
