/** Reading a finished adatailr output back: the caption chosen for each kept clip (next round's `previous` candidates). */
import { layout } from '../../pipeline/layout.js';
import { readRunMeta } from '../../pipeline/ledger.js';
import { readStoredRows } from '../../pipeline/parquet.js';
import type { Storage } from '../../pipeline/storage.js';
import type { ScoreRow } from '../../schemas/scores.js';

/**
 * Each clip's chosen caption in a finished round run (kept rows with a non-empty caption only); with
 * `only`, of those clips alone, so a sample is read without holding the whole round's captions.
 */
export async function chosenCaptions(run: Storage, only?: ReadonlySet<string>): Promise<Map<string, string>> {
  const meta = await readRunMeta(run);
  const out = new Map<string, string>();
  for (const shard of meta?.shards ?? []) addChosen(out, await readChosen(run, shard), only);
  return out;
}

/** The columns a chosen caption needs: a scores table's token weights and candidate lists are left unread. */
const CHOSEN_COLUMNS = ['clip_id', 'caption', 'keep'] as const;

type ChosenRow = Pick<ScoreRow, (typeof CHOSEN_COLUMNS)[number]>;

function readChosen(run: Storage, shard: string): Promise<ChosenRow[]> {
  return readStoredRows<ChosenRow>(run, layout.output('adatailr', shard), CHOSEN_COLUMNS);
}

function addChosen(out: Map<string, string>, rows: readonly ChosenRow[], only?: ReadonlySet<string>): void {
  for (const s of rows)
    if (s.keep && s.caption.trim() !== '' && (!only || only.has(s.clip_id))) out.set(s.clip_id, s.caption);
}

/**
 * Shards whose captions a reader keeps: as many as a worker can run at once (`shard_concurrency` is
 * at most 64), so shards processed side by side do not evict each other's.
 */
const SHARDS_KEPT = 64;

/** One shard's chosen captions, and every clip its scores have a row for. */
interface ShardCaptions {
  readonly clips: ReadonlySet<string>;
  readonly chosen: ReadonlyMap<string, string>;
}

/**
 * Last round's chosen captions, looked up a shard at a time. A round's shards are the same as the
 * last round's (same manifest, same planning), so the captions of a shard's clips are in the last
 * run's shard of the same id, and memory holds the captions of the shards in progress rather than
 * the whole job's: a caption worker of a job with millions of clips does not load them all. Each
 * shard is read once however many batches and concurrent shards ask for it (the least recently
 * used beyond {@link SHARDS_KEPT} are dropped). Where a clip is not in that shard (the shards were
 * planned otherwise), the whole run is read once and kept, as before.
 */
export class ChosenCaptionsReader {
  readonly #run: Storage;
  readonly #shards: ReadonlySet<string>;
  readonly #onWhole: ((why: string) => void) | undefined;
  readonly #read = new Map<string, Promise<ShardCaptions>>();
  #everything: Promise<Map<string, string>> | undefined;

  private constructor(run: Storage, shards: ReadonlySet<string>, onWhole?: (why: string) => void) {
    this.#run = run;
    this.#shards = shards;
    this.#onWhole = onWhole;
  }

  /**
   * A reader of a round run's chosen captions (a run that never ran has none); `onWhole` hears why,
   * the one time the whole run has to be read.
   */
  static async open(run: Storage, onWhole?: (why: string) => void): Promise<ChosenCaptionsReader> {
    const meta = await readRunMeta(run);
    return new ChosenCaptionsReader(run, new Set(meta?.shards ?? []), onWhole);
  }

  /** The chosen captions of `clipIds`, which this round's shard `shard` holds (clips without one are absent). */
  async forShard(shard: string, clipIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const own = this.#shards.has(shard) ? await this.#shard(shard) : undefined;
    const missing = own ? clipIds.find((id) => !own.clips.has(id)) : clipIds[0];
    if (missing === undefined) return own?.chosen ?? new Map<string, string>();
    if (!this.#everything) {
      this.#onWhole?.(
        `previous captions: clip ${missing} of shard ${shard} is not in ${this.#run.description}'s ${shard}; reading the whole run`,
      );
      this.#everything = chosenCaptions(this.#run);
    }
    return this.#everything;
  }

  /** Whether the whole run had to be read (a clip was not in the last run's shard of the same id). */
  get readWhole(): boolean {
    return this.#everything !== undefined;
  }

  /** A shard's captions, read once while it stays among the most recently used. */
  #shard(shard: string): Promise<ShardCaptions> {
    let read = this.#read.get(shard);
    if (read) {
      this.#read.delete(shard); // re-inserted below: most recently used last
    } else {
      read = readChosen(this.#run, shard).then((rows) => {
        const chosen = new Map<string, string>();
        addChosen(chosen, rows);
        return { clips: new Set(rows.map((r) => r.clip_id)), chosen };
      });
      // a failed read is not kept: the next ask reads the shard again
      read.catch(() => this.#read.delete(shard));
    }
    this.#read.set(shard, read);
    if (this.#read.size > SHARDS_KEPT) this.#read.delete(this.#read.keys().next().value as string);
    return read;
  }
}
