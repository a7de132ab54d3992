/**
 * Which rows of a join a later part replaces, found on disk so the join holds none of its parts'
 * clip ids however many nights it joins.
 *
 * Design: every data row's clip id goes into the external merge sort (`pipeline/external-sort.ts`)
 * under its ordinal, its place when the parts' files are read in order. Equal ids come out together,
 * lowest ordinal first; the last of a group is the clip's row (a later part's row of a clip replaces
 * an earlier one's, and an export holds a clip once), and the others are replaced. Their ordinals,
 * sorted again, are read in step with the files. Memory: the sort's chunk and merge buffers, the
 * replaced rows of one file, and the side tables' clips the caller holds anyway.
 */
import { ExternalSorter, idAtCodec, type RecordCodec, type SortLimits } from '../../pipeline/external-sort.js';

/** Row ordinals, one a line, ascending. */
const ordinalCodec: RecordCodec<number> = {
  encode: (n) => String(n),
  decode: (line) => Number(line),
  compare: (a, b) => a - b,
};

/** What {@link joinOwners} found. */
export interface JoinOwners {
  /** Rows read from each data file, by part then file (the ordinals count over these). */
  readonly fileRows: readonly (readonly number[])[];
  /** Of the side tables' clips, those that are a row of some part: neither dropped nor errors any more. */
  readonly sideClipsThatAreRows: ReadonlySet<string>;
  /** The replaced rows of each file in turn, as positions in that file; ask file by file, in order. */
  replacedIn(part: number, file: number): Set<number>;
}

/**
 * Sorts the clip ids of `files` (each part's data files, in order, read by `ids`) in `scratch`
 * (created; the caller removes it) and answers which rows are replaced.
 */
export async function joinOwners(opts: {
  readonly files: readonly (readonly string[])[];
  readonly ids: (path: string) => AsyncIterable<readonly string[]>;
  readonly sideClips: ReadonlySet<string>;
  readonly scratch: string;
  readonly limits?: SortLimits;
}): Promise<JoinOwners> {
  const rowIds = new ExternalSorter(opts.scratch, 'ids', idAtCodec, opts.limits);
  const fileRows: number[][] = [];
  let ordinal = 0;
  for (const files of opts.files) {
    const counts: number[] = [];
    for (const path of files) {
      const first = ordinal;
      for await (const batch of opts.ids(path)) for (const id of batch) rowIds.add({ id, row: ordinal++ });
      counts.push(ordinal - first);
    }
    fileRows.push(counts);
  }
  const replaced = new ExternalSorter(opts.scratch, 'replaced', ordinalCodec, opts.limits);
  const sideClipsThatAreRows = new Set<string>();
  let last: { id: string; row: number } | undefined;
  for (const r of rowIds.sorted()) {
    if (last?.id === r.id) replaced.add(last.row);
    else if (opts.sideClips.has(r.id)) sideClipsThatAreRows.add(r.id);
    last = r;
  }
  const sorted = replaced.sorted();
  let next = sorted.next();
  // where each file's rows start among the ordinals
  const starts: number[][] = [];
  let start = 0;
  for (const counts of fileRows) starts.push(counts.map((n) => (start += n) - n));
  // where the rows of the files asked about so far end
  let askedTo = 0;
  return {
    fileRows,
    sideClipsThatAreRows,
    replacedIn(part, file) {
      const from = starts[part][file];
      if (from < askedTo)
        throw new Error(
          `join: the replaced rows are read file by file, in order (asked for part ${part} file ${file})`,
        );
      const to = from + fileRows[part][file];
      askedTo = to;
      const positions = new Set<number>();
      for (; !next.done && next.value < to; next = sorted.next())
        if (next.value >= from) positions.add(next.value - from);
      return positions;
    },
  };
}
