/**
 * Where a carried-over caption came from. A round's row whose caption is last round's choice
 * (`previous`) is followed back through the earlier rounds' runs to the round that first chose it,
 * so the export names the source and the model that wrote the caption, not just "last round's".
 */
import { layout } from '../../pipeline/layout.js';
import { readRunMeta } from '../../pipeline/ledger.js';
import { readStoredRows } from '../../pipeline/parquet.js';
import type { Storage } from '../../pipeline/storage.js';
import { type CaptionRow, writerOf } from '../../schemas/captions.js';
import type { ScoreRow } from '../../schemas/scores.js';

/** Where a chosen caption was first chosen: the source it was chosen from, the round, and its writer. */
export interface CaptionOrigin {
  readonly source: string;
  readonly round: number;
  /** The writer's version as the export records it (`writerOf`). */
  readonly modelVersion: string;
}

/** One earlier round's engine run. */
export interface EarlierRun {
  readonly round: number;
  readonly run: Storage;
}

/** An earlier run with the shards it planned. */
interface PlannedRun extends EarlierRun {
  readonly shards: ReadonlySet<string>;
}

/** A carried-over caption still being followed back: the clip and the exact text chosen. */
interface Pending {
  readonly clipId: string;
  readonly caption: string;
}

/**
 * Follows carried-over captions back through earlier rounds, a shard at a time (a job's rounds are
 * planned alike, so a clip is in the same shard every round). A caption is followed only while each
 * earlier round chose the very same text; where a round's shard is missing or chose otherwise, the
 * origin stays unknown rather than guessed.
 */
export class CaptionOrigins {
  readonly #earlier: readonly PlannedRun[];

  private constructor(earlier: readonly PlannedRun[]) {
    this.#earlier = earlier;
  }

  /** Origins over `earlier`, the nearest round first (none: every carried-over caption stays unknown). */
  static async open(earlier: readonly EarlierRun[]): Promise<CaptionOrigins> {
    const runs: PlannedRun[] = [];
    for (const e of earlier) runs.push({ ...e, shards: new Set((await readRunMeta(e.run))?.shards ?? []) });
    return new CaptionOrigins(runs);
  }

  /** The origins of `rows` of shard `shard` that carry last round's caption over, by clip id (unknown ones absent). */
  async forShard(
    shard: string,
    rows: readonly { clip_id: string; caption: string; caption_source: string }[],
  ): Promise<Map<string, CaptionOrigin>> {
    const found = new Map<string, CaptionOrigin>();
    let pending: Pending[] = rows
      .filter((r) => r.caption_source === 'previous')
      .map((r) => ({ clipId: r.clip_id, caption: r.caption }));
    for (const { round, run, shards } of this.#earlier) {
      if (pending.length === 0 || !shards.has(shard)) break;
      const scores = new Map(
        (
          await readStoredRows<Pick<ScoreRow, 'clip_id' | 'caption' | 'caption_source' | 'keep'>>(
            run,
            layout.output('adatailr', shard),
            ['clip_id', 'caption', 'caption_source', 'keep'],
          )
        ).map((s) => [s.clip_id, s]),
      );
      const versions = new Map(
        (
          await readStoredRows<Pick<CaptionRow, 'clip_id' | 'model_version'>>(run, layout.output('caption', shard), [
            'clip_id',
            'model_version',
          ])
        ).map((c) => [c.clip_id, c.model_version]),
      );
      const still: Pending[] = [];
      for (const p of pending) {
        const s = scores.get(p.clipId);
        if (!s || !s.keep || s.caption !== p.caption) continue; // that round chose otherwise: unknown
        if (s.caption_source === 'previous') still.push(p);
        else
          found.set(p.clipId, {
            source: s.caption_source,
            round,
            modelVersion: writerOf(s.caption_source, versions.get(p.clipId) ?? 'text'),
          });
      }
      pending = still;
    }
    return found;
  }
}
