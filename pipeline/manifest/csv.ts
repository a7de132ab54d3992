/**
 * Reads a CSV manifest (RFC 4180: comma-separated, `"` quoting with `""` escapes, quoted fields
 * may span lines) with `csv-parse`, streaming. The first record is the header. `tags` may be a
 * JSON array or `|`-separated.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { CsvError, parse, type Options } from 'csv-parse';
import type { RawRow } from './raw.js';

/** Parser options: ragged rows are reported by the reader, a quote inside an unquoted field is text. */
const OPTIONS: Options = {
  bom: true,
  relax_column_count: true,
  relax_quotes: true,
  record_delimiter: ['\r\n', '\n'],
  skip_empty_lines: true,
};

/** Splits CSV text chunks into records (arrays of fields), streaming. */
export function csvRecords(chunks: AsyncIterable<string>): AsyncIterable<string[]> {
  return Readable.from(chunks).pipe(parse(OPTIONS)) as AsyncIterable<string[]>;
}

/**
 * Streams the data rows of a `.csv` file as header-keyed objects (all values strings). A parse
 * error (a quote never closed) ends the file with one unparsable row that says where.
 */
export async function* readCsvRows(path: string): AsyncIterable<RawRow> {
  let header: string[] | undefined;
  let row = 0;
  try {
    for await (const rec of createReadStream(path).pipe(parse(OPTIONS)) as AsyncIterable<string[]>) {
      if (!header) {
        header = rec.map((h) => h.trim());
        continue;
      }
      if (rec.length === 1 && rec[0].trim() === '') continue;
      row++;
      if (rec.length !== header.length) {
        yield { row, values: { unparsable: `has ${rec.length} fields, header has ${header.length}` } };
        continue;
      }
      const values: Record<string, unknown> = {};
      header.forEach((h, i) => (values[h] = rec[i]));
      yield { row, values };
    }
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    yield { row: row + 1, values: { unparsable: `${e.message}; the rest of the file is skipped` } };
  }
}
