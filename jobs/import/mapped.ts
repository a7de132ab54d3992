/**
 * Any Parquet, CSV or JSONL table whose columns a `--map clip_id=vid,video_uri=path,…` flag names.
 * Columns not named in the map are read under their manifest names, so a table that already uses
 * them needs no map. The file is streamed by the manifest readers (row groups, CSV records, lines).
 */
import { readRawRows, type RawRow } from '../../pipeline/manifest/index.js';
import { isUnparsable } from '../../pipeline/manifest/raw.js';
import { ABSENT_OPTIONAL, type ImportSource, MANIFEST_FIELDS, type ManifestField, requireColumns } from './source.js';

/** Parses `clip_id=vid,video_uri=path` into manifest column → source column; errors quote the bad part. */
export function parseColumnMap(text: string): Partial<Record<ManifestField, string>> {
  const map: Partial<Record<ManifestField, string>> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const field = part.slice(0, eq).trim();
    const column = part.slice(eq + 1).trim();
    if (eq < 0 || column === '')
      throw new Error(`--map: expected manifest_column=source_column, got ${JSON.stringify(part)}`);
    if (!(MANIFEST_FIELDS as readonly string[]).includes(field))
      throw new Error(`--map: unknown manifest column ${JSON.stringify(field)} (have: ${MANIFEST_FIELDS.join(', ')})`);
    if (field in map) throw new Error(`--map: ${field} is mapped twice`);
    map[field as ManifestField] = column;
  }
  return map;
}

/** Opens a Parquet/CSV/JSONL table as an import source, renaming columns by `map`. */
export function mappedSource(opts: { path: string; map: Partial<Record<ManifestField, string>> }): ImportSource {
  const map = opts.map;
  return {
    layout: 'mapped',
    options: Object.fromEntries(Object.entries(map).sort()),
    sourceFields: map,
    async *rows(): AsyncIterable<RawRow> {
      const needed = (['clip_id', 'video_uri', 'start_s', 'end_s'] as const).map((f) => map[f] ?? f);
      // CSV and Parquet have a header: a missing column is a wrong --map, not a bad row (JSONL rows may differ)
      let checked = /\.(jsonl|ndjson)$/i.test(opts.path);
      for await (const raw of readRawRows(opts.path)) {
        if (isUnparsable(raw.values)) {
          yield raw;
          continue;
        }
        const v = raw.values;
        if (!checked) requireColumns(opts.path, v, needed);
        checked = true;
        const values: Record<string, unknown> = { ...ABSENT_OPTIONAL };
        for (const f of MANIFEST_FIELDS) {
          const column = map[f] ?? f;
          if (column in v) values[f] = v[column];
        }
        yield { row: raw.row, values };
      }
    },
  };
}
