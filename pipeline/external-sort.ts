/**
 * External merge sort of records that fit on one line each, in memory bounded by its options, not
 * by the record count: records are added one at a time; each full chunk is sorted and written as a
 * run file; `sorted()` merges the runs (at most `fanIn` open at once, so more runs than that are
 * first merged in rounds into longer runs). Synchronous I/O throughout, so a caller can read the
 * sorted records from synchronous code (the manifest validator's duplicate check).
 */
import { closeSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import TinyQueue from 'tinyqueue';

/** How records of one kind are ordered and written: `encode` returns one line, without a newline. */
export interface RecordCodec<T> {
  encode(record: T): string;
  decode(line: string): T;
  compare(a: T, b: T): number;
}

/** A clip id and the row it was read at (a source's row, or a caller's own marker). */
export interface IdAt {
  readonly id: string;
  readonly row: number;
}

/** Backslash escapes for the characters an id must not carry onto its line (`\\`, newline, carriage return). */
const ESCAPE: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r' };
const UNESCAPE: Readonly<Record<string, string>> = { '\\': '\\', n: '\n', r: '\r' };

/**
 * `row<TAB>id`, the id backslash-escaped only where it must be; ordered by id, then row. (Not JSON:
 * `JSON.parse` interns short strings, which turns every id read back into old-space garbage.)
 */
export const idAtCodec: RecordCodec<IdAt> = {
  encode: (r) => `${r.row}\t${/[\\\n\r]/.test(r.id) ? r.id.replace(/[\\\n\r]/g, (c) => ESCAPE[c]) : r.id}`,
  decode: (line) => {
    const tab = line.indexOf('\t');
    const id = line.slice(tab + 1);
    return {
      row: Number(line.slice(0, tab)),
      id: id.includes('\\') ? id.replace(/\\(.)/g, (_m, c: string) => UNESCAPE[c]) : id,
    };
  },
  compare: (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.row - b.row),
};

/** Memory bounds of a sort: records held before a run is written, runs read at once while merging. */
export interface SortLimits {
  readonly chunkRecords: number;
  readonly fanIn: number;
}

/** Default limits: 100 k records per chunk, 64 runs per merge (one 64 KB read buffer each). */
export const DEFAULT_SORT_LIMITS: SortLimits = { chunkRecords: 100_000, fanIn: 64 };

/** Bytes read per `read` from a run file. */
const READ_CHUNK = 64 * 1024;
const NEWLINE = 0x0a;
/** Characters gathered before one `write` to a run file. */
const WRITE_CHARS = 1 << 20;

/** Writes lines to a file in large synchronous writes. */
function writeLines(path: string, lines: Iterable<string>): void {
  const fd = openSync(path, 'w');
  try {
    let parts: string[] = [];
    let chars = 0;
    for (const line of lines) {
      parts.push(line, '\n');
      chars += line.length + 1;
      if (chars >= WRITE_CHARS) {
        writeSync(fd, parts.join(''));
        parts = [];
        chars = 0;
      }
    }
    if (parts.length > 0) writeSync(fd, parts.join(''));
  } finally {
    closeSync(fd);
  }
}

/**
 * The records of a run file, in file order; the file is closed when read to the end or abandoned.
 * One read buffer, reused (grown only for a line longer than it): each line costs one string, no
 * Buffer objects, so a merge of many runs makes little garbage.
 */
function* readRun<T>(path: string, codec: RecordCodec<T>): Generator<T> {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(READ_CHUNK);
    let end = 0; // bytes of buf holding data
    for (;;) {
      if (end === buf.length) buf = Buffer.concat([buf], buf.length * 2);
      const got = readSync(fd, buf, end, buf.length - end, null);
      end += got;
      let start = 0;
      for (let nl = buf.indexOf(NEWLINE, start); nl !== -1 && nl < end; nl = buf.indexOf(NEWLINE, start)) {
        yield codec.decode(buf.toString('utf8', start, nl));
        start = nl + 1;
      }
      if (got === 0) {
        if (start < end) yield codec.decode(buf.toString('utf8', start, end));
        return;
      }
      buf.copyWithin(0, start, end);
      end -= start;
    }
  } finally {
    closeSync(fd);
  }
}

/** Merges sorted sequences into one (a heap of their heads). */
function* merge<T>(sources: Iterator<T>[], compare: (a: T, b: T) => number): Generator<T> {
  const heads = new TinyQueue<{ value: T; source: Iterator<T> }>([], (a, b) => compare(a.value, b.value));
  try {
    for (const source of sources) {
      const first = source.next();
      if (!first.done) heads.push({ value: first.value, source });
    }
    for (let head = heads.pop(); head !== undefined; head = heads.pop()) {
      yield head.value;
      const next = head.source.next();
      if (!next.done) heads.push({ value: next.value, source: head.source });
    }
  } finally {
    for (const source of sources) source.return?.();
  }
}

/** Sorts records through run files in `dir` (created here; the owner removes it). */
export class ExternalSorter<T> {
  readonly #dir: string;
  readonly #name: string;
  readonly #codec: RecordCodec<T>;
  readonly #limits: SortLimits;
  #chunk: T[] = [];
  #runs: string[] = [];
  #runNumber = 0;
  #count = 0;

  /** `name` prefixes this sorter's run files, so sorters can share a folder. */
  constructor(dir: string, name: string, codec: RecordCodec<T>, limits: SortLimits = DEFAULT_SORT_LIMITS) {
    if (!(limits.chunkRecords >= 1 && limits.fanIn >= 2))
      throw new Error(`external sort: need chunkRecords >= 1 and fanIn >= 2 (got ${JSON.stringify(limits)})`);
    mkdirSync(dir, { recursive: true });
    this.#dir = dir;
    this.#name = name;
    this.#codec = codec;
    this.#limits = limits;
  }

  /** Records added so far. */
  get count(): number {
    return this.#count;
  }

  /** Run files written so far (the records past the last full chunk are still in memory). */
  get runs(): number {
    return this.#runs.length;
  }

  /** Adds one record; writes a sorted run when the chunk is full. */
  add(record: T): void {
    this.#chunk.push(record);
    this.#count++;
    if (this.#chunk.length >= this.#limits.chunkRecords) {
      this.#chunk.sort((a, b) => this.#codec.compare(a, b));
      this.#runs.push(this.#write(this.#chunk));
      this.#chunk = [];
    }
  }

  /**
   * Every record added, in order; read once. The last chunk is sorted in memory and joins the final
   * merge unwritten; runs are first merged `fanIn` at a time until one merge can take them all.
   */
  *sorted(): Generator<T> {
    const compare = (a: T, b: T) => this.#codec.compare(a, b);
    const chunk = this.#chunk.sort(compare);
    this.#chunk = [];
    while (this.#runs.length + (chunk.length > 0 ? 1 : 0) > this.#limits.fanIn) {
      const group = this.#runs.splice(0, this.#limits.fanIn);
      this.#runs.push(this.#write(merge(this.#read(group), compare)));
      for (const run of group) rmSync(run, { force: true });
    }
    yield* merge([...this.#read(this.#runs), chunk[Symbol.iterator]()], compare);
  }

  #read(runs: readonly string[]): Iterator<T>[] {
    return runs.map((run) => readRun(run, this.#codec));
  }

  #write(records: Iterable<T>): string {
    const path = join(this.#dir, `${this.#name}-${this.#runNumber++}.run`);
    const codec = this.#codec;
    writeLines(
      path,
      (function* () {
        for (const r of records) yield codec.encode(r);
      })(),
    );
    return path;
  }
}
