/**
 * Duplicate clip ids of a manifest or import source, found on disk so memory stays flat at any size.
 *
 * Design: a map of every clip id seen grows with the source: 90–200 MB more peak RSS a million ids
 * (`MemoryClipIdIndex`). Instead a first pass goes through {@link SpilledClipIds}, which writes each
 * (clip_id, row) to an external merge sort and answers "not seen" for every row. After the pass the
 * sorted ids are read once: equal ids are adjacent, the lowest row first, so each later row of an
 * id is a duplicate of that first row. The duplicates, sorted by row through the external sort
 * again, drive the pass that counts with {@link KnownDuplicates}, which gives the validator exactly
 * the answers the in-memory map would have given, so the output is the same row for row. Memory:
 * one sort chunk and the merge buffers (`SortLimits`), whatever the row count. `readManifest` reads
 * every manifest so; `flywheel import` keeps its first pass's output when there are no duplicates.
 *
 * Why not a fixed-size in-memory filter (Bloom) with an exact check on disk for its hits: the hit
 * rate of a fixed-size filter climbs with the row count, and each exact check is a lookup in an
 * on-disk index that is still being built, i.e. a small database. Sorting once after the pass needs
 * only sequential I/O.
 */
import {
  DEFAULT_SORT_LIMITS,
  ExternalSorter,
  type IdAt,
  idAtCodec,
  type RecordCodec,
  type SortLimits,
} from '../external-sort.js';
import type { ClipIdIndex } from './validate.js';

/** A duplicate row and the row of its clip id's first occurrence. */
export interface DuplicateRow {
  readonly row: number;
  readonly first: number;
}

/** `row<TAB>first`, ordered by row. */
const duplicateCodec: RecordCodec<DuplicateRow> = {
  encode: (d) => `${d.row}\t${d.first}`,
  decode: (line) => {
    const tab = line.indexOf('\t');
    return { row: Number(line.slice(0, tab)), first: Number(line.slice(tab + 1)) };
  },
  compare: (a, b) => a.row - b.row,
};

/** First-pass index: records every (clip id, row) in an external sort in `dir` and reports no duplicates. */
export class SpilledClipIds implements ClipIdIndex {
  readonly #dir: string;
  readonly #limits: SortLimits;
  readonly #ids: ExternalSorter<IdAt>;

  constructor(dir: string, limits: SortLimits = DEFAULT_SORT_LIMITS) {
    this.#dir = dir;
    this.#limits = limits;
    this.#ids = new ExternalSorter(dir, 'ids', idAtCodec, limits);
  }

  /** Run files of clip ids written so far. */
  get runs(): number {
    return this.#ids.runs;
  }

  firstRow(clipId: string, row: number): undefined {
    this.#ids.add({ id: clipId, row });
    return undefined;
  }

  /** Sorts the ids (read once) and returns the duplicate rows in a sorter of their own; `count` is 0 when there are none. */
  duplicates(): ExternalSorter<DuplicateRow> {
    const dups = new ExternalSorter(this.#dir, 'duplicates', duplicateCodec, this.#limits);
    let first: IdAt | undefined;
    for (const r of this.#ids.sorted()) {
      if (first !== undefined && first.id === r.id) dups.add({ row: r.row, first: first.row });
      else first = r;
    }
    return dups;
  }
}

/**
 * Second-pass index: the known duplicate rows, read in row order in step with the source. Throws
 * when the source no longer matches (a duplicate row the pass never asks about); `done` tells the
 * caller, at the end, whether every known duplicate was met.
 */
export class KnownDuplicates implements ClipIdIndex {
  readonly #rows: Iterator<DuplicateRow>;
  #next: DuplicateRow | undefined;

  constructor(rowsInOrder: Iterable<DuplicateRow>) {
    this.#rows = rowsInOrder[Symbol.iterator]();
    this.#advance();
  }

  /** True once every known duplicate row has been asked about. */
  get done(): boolean {
    return this.#next === undefined;
  }

  firstRow(_clipId: string, row: number): number | undefined {
    const next = this.#next;
    if (next === undefined || next.row > row) return undefined;
    if (next.row < row) throw new Error(`the source changed while it was read (row ${next.row} is no longer a clip)`);
    this.#advance();
    return next.first;
  }

  #advance(): void {
    const n = this.#rows.next();
    this.#next = n.done ? undefined : n.value;
  }
}
