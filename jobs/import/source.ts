/**
 * What every import layout hands the importer: raw rows already named with the clips-manifest
 * columns, plus which source field each manifest column came from (so an error can name both).
 */
import type { RawRow } from '../../pipeline/manifest/index.js';

/** The manifest columns a source may fill (see `schemas/clips.ts`). */
export const MANIFEST_FIELDS = [
  'clip_id',
  'video_uri',
  'start_s',
  'end_s',
  'asr_text',
  'title',
  'tags',
  'human_caption',
  'split',
] as const;

/**
 * The optional manifest columns as null: the validator's fallbacks for an absent value are slow
 * (zod builds an issue before catching it), so sources that have no such column say null up front.
 */
export const ABSENT_OPTIONAL = { title: null, tags: null, human_caption: null, split: null } as const;

/** One manifest column name. */
export type ManifestField = (typeof MANIFEST_FIELDS)[number];

/** A source layout opened for import: its rows, streamed, in manifest terms. */
export interface ImportSource {
  /** The layout name (`howto100m`, `webvid`, `mapped`), recorded with the import. */
  readonly layout: string;
  /** The options that decide the output (hashed into the import's fingerprint). */
  readonly options: Readonly<Record<string, string>>;
  /** Manifest column → the source field it is read from, where the names differ (for error messages). */
  readonly sourceFields: Readonly<Partial<Record<ManifestField, string>>>;
  /** The rows, in source order, with 1-based row numbers. */
  rows(): AsyncIterable<RawRow>;
}

/**
 * Fills `{column}` placeholders of a path template from a row (`{page_dir}/{videoid}.mp4`); a
 * placeholder whose column is missing or empty yields undefined, so the row fails on `video_uri`.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, unknown>>): string | undefined {
  let missing = false;
  const out = template.replace(/\{([^{}]+)\}/g, (_m, name: string) => {
    const v = values[name];
    const text = typeof v === 'string' ? v.trim() : typeof v === 'number' || typeof v === 'bigint' ? String(v) : '';
    if (text === '') missing = true;
    return text;
  });
  return missing ? undefined : out;
}

/** Column names a template reads (`{page_dir}/{videoid}.mp4` → page_dir, videoid). */
export function templateColumns(template: string): string[] {
  return [...template.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]);
}

/**
 * Throws when the source's first row lacks a column the layout needs: a whole-file mistake (a
 * wrong flag or layout), not a bad row, so it stops the import and names what the file has.
 */
export function requireColumns(
  path: string,
  values: Readonly<Record<string, unknown>>,
  needed: readonly string[],
): void {
  const missing = needed.filter((c) => !(c in values));
  if (missing.length > 0)
    throw new Error(
      `${path}: no column ${missing.map((c) => JSON.stringify(c)).join(', ')} (columns: ${Object.keys(values).join(', ')}); check the layout and its flags`,
    );
}
