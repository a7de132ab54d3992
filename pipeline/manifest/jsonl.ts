/** Reads a JSON Lines manifest: one JSON object per line; blank lines are skipped. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RawRow } from './raw.js';

/** Streams the rows of a `.jsonl` file; a line that is not a JSON object becomes an unparsable row. */
export async function* readJsonlRows(path: string): AsyncIterable<RawRow> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let row = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    row++;
    try {
      const v: unknown = JSON.parse(line);
      if (v === null || typeof v !== 'object' || Array.isArray(v))
        yield { row, values: { unparsable: 'not a JSON object' } };
      else yield { row, values: v as Record<string, unknown> };
    } catch (e) {
      yield { row, values: { unparsable: `invalid JSON (${(e as Error).message})` } };
    }
  }
}
