/**
 * Which rows of a join a later part replaces, and which side rows (dropped, errors) name a clip that
 * is a row, found on disk so the join holds none of its parts' clip ids however many nights it joins.
 *
 * Design: every data row's clip id, then every side row's, goes into the external merge sort
 * (`pipeline/external-sort.ts`) under its ordinal, its place when the files are read in order (data
 * files first, so a clip's data rows come before its side rows). Equal ids come out together, lowest
 * ordinal first. The last data row of a group is the clip's row (a later part's row of a clip
 * replaces an earlier one's, and an export holds a clip once); the group's other data rows are
 * replaced, and its side rows are cleared: the clip is neither dropped nor an error any more. A group
 * without a data row counts once for each kind of side table it is in. The replaced and cleared
 * ordinals, sorted again, are read in step with the files. Memory: the sort's chunk and merge buffers,
 * one clip's group, and the positions of one file.
 */
import { ExternalSorter, idAtCodec, type RecordCodec, type SortLimits } from '../../pipeline/external-sort.js';

/** Row ordinals, one a line, ascending. */
const ordinalCodec: RecordCodec<number> = {
  encode: (n) => String(n),
  decode: (line) => Number(line),
  compare: (a, b) => a - b,
};

/** The two kinds of side table an export has. */
export type SideKind = 'dropped' | 'errors';

/** A side table's file, in the order the join reads them. */
export interface SideFile {
  readonly path: string;
  readonly kind: SideKind;
}

/** What {@link joinOwners} found. */
export interface JoinOwners {
  /** Rows read from each data file, by part then file (the ordinals count over these). */
  readonly fileRows: readonly (readonly number[])[];
  /** Rows read from each side file, in order. */
  readonly sideRows: readonly number[];
  /** Distinct clips left in each kind of side table once the cleared rows are gone. */
  readonly sideClips: Readonly<Record<SideKind, number>>;
  /** The replaced rows of each data file in turn, as positions in that file; ask file by file, in order. */
  replacedIn(part: number, file: number): Set<number>;
  /** The cleared rows of each side file in turn (their clip is a row), as positions; ask after every data file, in order. */
  clearedIn(side: number): Set<number>;
}

/** Index of the last of `starts` (ascending) at or below `ordinal`. */
function fileOf(starts: readonly number[], ordinal: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= ordinal) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Sorts the clip ids of `files` (each part's data files, in order) and `sides` (read by `ids`) in
 * `scratch` (created; the caller removes it) and answers which rows are replaced or cleared.
 */
export async function joinOwners(opts: {
  readonly files: readonly (readonly string[])[];
  readonly sides: readonly SideFile[];
  readonly ids: (path: string) => AsyncIterable<readonly string[]>;
  readonly scratch: string;
  readonly limits?: SortLimits;
}): Promise<JoinOwners> {
  const rowIds = new ExternalSorter(opts.scratch, 'ids', idAtCodec, opts.limits);
  let ordinal = 0;
  const read = async (path: string): Promise<number> => {
    const first = ordinal;
    for await (const batch of opts.ids(path)) for (const id of batch) rowIds.add({ id, row: ordinal++ });
    return ordinal - first;
  };
  const fileRows: number[][] = [];
  for (const files of opts.files) {
    const counts: number[] = [];
    for (const path of files) counts.push(await read(path));
    fileRows.push(counts);
  }
  const dataRows = ordinal;
  const sideRows: number[] = [];
  for (const side of opts.sides) sideRows.push(await read(side.path));

  // where each file's rows start among the ordinals: the data files', then the side files'
  let start = 0;
  const dataStarts = fileRows.map((counts) => counts.map((n) => (start += n) - n));
  const sideStarts = sideRows.map((n) => (start += n) - n);

  const gone = new ExternalSorter(opts.scratch, 'gone', ordinalCodec, opts.limits);
  const sideClips: Record<SideKind, number> = { dropped: 0, errors: 0 };
  let group: number[] = [];
  const settle = (): void => {
    const data = group.filter((o) => o < dataRows);
    if (data.length) {
      // all but the clip's last row are replaced, and its side rows cleared
      for (const o of group) if (o !== data[data.length - 1]) gone.add(o);
    } else {
      const kinds = new Set(group.map((o) => opts.sides[fileOf(sideStarts, o)].kind));
      for (const k of kinds) sideClips[k]++;
    }
  };
  let last: string | undefined;
  for (const r of rowIds.sorted()) {
    if (r.id !== last && group.length) {
      settle();
      group = [];
    }
    group.push(r.row);
    last = r.id;
  }
  if (group.length) settle();

  const sorted = gone.sorted();
  let next = sorted.next();
  // where the rows of the files asked about so far end
  let askedTo = 0;
  const positions = (from: number, rows: number, what: string): Set<number> => {
    if (from < askedTo) throw new Error(`join: the replaced rows are read file by file, in order (asked for ${what})`);
    const to = from + rows;
    askedTo = to;
    const out = new Set<number>();
    for (; !next.done && next.value < to; next = sorted.next()) if (next.value >= from) out.add(next.value - from);
    return out;
  };
  return {
    fileRows,
    sideRows,
    sideClips,
    replacedIn: (part, file) => positions(dataStarts[part][file], fileRows[part][file], `part ${part} file ${file}`),
    clearedIn: (side) => positions(sideStarts[side], sideRows[side], `side file ${side}`),
  };
}
