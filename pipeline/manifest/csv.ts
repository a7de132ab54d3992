/**
 * Reads a CSV manifest (RFC 4180: comma-separated, `"` quoting with `""` escapes, quoted fields
 * may span lines). The first record is the header. `tags` may be a JSON array or `|`-separated.
 */
import { createReadStream } from 'node:fs';
import type { RawRow } from './raw.js';

/** Splits CSV text chunks into records (arrays of fields), streaming. */
export async function* csvRecords(chunks: AsyncIterable<string>): AsyncIterable<string[]> {
  let field = '';
  let record: string[] = [];
  let inQuotes = false;
  let quotePending = false; // saw a quote inside a quoted field: either an escape or the closing quote
  let any = false;
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (inQuotes) {
        if (quotePending) {
          quotePending = false;
          if (c === '"') {
            field += '"';
            continue;
          }
          inQuotes = false;
          // fall through: c is handled as unquoted
        } else if (c === '"') {
          quotePending = true;
          continue;
        } else {
          field += c;
          continue;
        }
      }
      if (c === '"' && field === '') {
        inQuotes = true;
        any = true;
      } else if (c === ',') {
        record.push(field);
        field = '';
        any = true;
      } else if (c === '\n') {
        record.push(field.endsWith('\r') ? field.slice(0, -1) : field);
        yield record;
        record = [];
        field = '';
        any = false;
      } else {
        field += c;
        any = true;
      }
    }
  }
  if (quotePending) inQuotes = false;
  if (any || field !== '' || record.length > 0) {
    record.push(field.endsWith('\r') ? field.slice(0, -1) : field);
    yield record;
  }
}

/** Streams the data rows of a `.csv` file as header-keyed objects (all values strings). */
export async function* readCsvRows(path: string): AsyncIterable<RawRow> {
  let header: string[] | undefined;
  let row = 0;
  for await (const rec of csvRecords(createReadStream(path, 'utf8'))) {
    if (!header) {
      header = rec.map((h) => h.trim().replace(/^\uFEFF/, ''));
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
}
