/**
 * Checks one manifest row and turns it into a clip or an error row. The field checks are zod
 * schemas; every message names the manifest file, the row number and the field, and quotes the
 * value, so a user can find and fix the line.
 */
import { z } from 'zod';
import type { ClipRow } from '../../schemas/clips.js';
import type { ErrorKind, ErrorRow } from '../../schemas/errors.js';
import { isUnparsable, type RawRow } from './raw.js';

/** The stage name recorded on manifest error rows. */
export const MANIFEST_STAGE = 'manifest';

/** A validated clip, or the error row that replaces it. */
export type ManifestItem =
  { readonly clip: ClipRow; readonly row: number } | { readonly error: ErrorRow; readonly row: number };

/** A value as an error message shows it: JSON, shortened to 80 characters; `nothing` when absent. */
function quote(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s =
    typeof v === 'bigint'
      ? String(v)
      : (JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x)) ?? `a ${typeof v}`);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** zod error option whose message quotes the value that failed. */
const says = (text: (got: string) => string) => ({
  error: (iss: { readonly input?: unknown }) => text(quote(iss.input)),
});

const clipIdMessage = says((got) => `missing clip_id (got ${got})`);

/** `clip_id`: a non-blank string (trimmed) or a finite number. */
export const clipIdSchema = z.union(
  [
    z.number().transform(String),
    z
      .string()
      .refine((s) => s.trim() !== '', clipIdMessage)
      .transform((s) => s.trim()),
  ],
  clipIdMessage,
);

/** A finite number, or a string or bigint holding one (CSV fields are strings; Parquet int64 is bigint). */
function numeric(field: string) {
  const notNumber = says((got) => `${field} is not a number (got ${got})`);
  const fromString = z
    .string()
    .refine((s) => s.trim() !== '' && Number.isFinite(Number(s)), notNumber)
    .transform(Number);
  return z.union([z.number(), z.bigint().transform(Number).pipe(z.number()), fromString], notNumber);
}

/** An optional text field: a non-empty string, anything else is null. */
const optText = z.string().min(1).nullable().catch(null);

const stringList = z.array(z.string());

/** A JSON array of strings in a string (`'["a", "b"]'`). */
const jsonTags = z
  .string()
  .refine((s) => s.trim().startsWith('['))
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.issues.push({ code: 'custom', message: 'invalid JSON', input: s });
      return z.NEVER;
    }
  })
  .pipe(stringList);

/** `a|b|c` (how a CSV manifest writes a list). */
const pipeTags = z
  .string()
  .refine((s) => !s.trim().startsWith('['))
  .transform((s) =>
    s
      .split('|')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
  );

/** `tags`: a list of strings, a JSON array of strings, or `a|b`; absent or empty is null. */
const tagsSchema = z
  .union(
    [z.union([z.null(), z.literal('')]).transform(() => null), stringList, jsonTags, pipeTags],
    says((got) => `tags must be a list of strings, a JSON array or "a|b" (got ${got})`),
  )
  .default(null);

const videoUriMessage = says((got) => `unreadable video_uri (got ${got}): expected a non-empty path`);

/**
 * A row's fields other than `clip_id`. Fields are checked in this order and the first failure is
 * the row's error; `end_s > start_s` is checked once both times are valid numbers.
 */
export const clipFieldsSchema = z
  .object({
    video_uri: z.string(videoUriMessage).refine((u) => u.trim() !== '' && !u.includes('\0'), videoUriMessage),
    start_s: numeric('start_s').pipe(
      z.number().nonnegative({ error: (iss) => `start_s is negative (got ${String(iss.input)})` }),
    ),
    end_s: numeric('end_s'),
    asr_text: z.string().catch(''),
    title: optText,
    tags: tagsSchema,
    human_caption: optText,
    split: optText,
  })
  .superRefine((r, ctx) => {
    if (r.end_s <= r.start_s) {
      ctx.addIssue({
        code: 'custom',
        path: ['end_s'],
        input: r.end_s,
        message: `end_s must be greater than start_s (got start_s=${r.start_s}, end_s=${r.end_s})`,
      });
    }
  });

/** Fields whose failures are `bad_time_range` errors; the others are `manifest_row`. */
const TIME_FIELDS: ReadonlySet<PropertyKey> = new Set(['start_s', 'end_s']);

/**
 * Where a validator learns whether a clip id came before. `firstRow` is asked once per row whose
 * clip id is valid, in row order: it answers the row of the id's first occurrence when this row is a
 * duplicate, else undefined (and this row becomes the first occurrence).
 */
export interface ClipIdIndex {
  firstRow(clipId: string, row: number): number | undefined;
}

/**
 * The in-memory index: one map entry per clip, so its memory grows with the input (90–200 MB a
 * million ids). The validator's default, for a few rows checked alone and as the tests' reference;
 * every manifest the jobs read finds its duplicates on disk instead (`duplicates.ts`,
 * `jobs/schedule/new-clips.ts`).
 */
export class MemoryClipIdIndex implements ClipIdIndex {
  readonly #seen = new Map<string, number>();

  firstRow(clipId: string, row: number): number | undefined {
    const first = this.#seen.get(clipId);
    if (first === undefined) this.#seen.set(clipId, row);
    return first;
  }
}

/**
 * The clip id a row's values hold, as the validator reads it; undefined when the row is unparsable
 * or its id missing or blank. A duplicate search over a manifest's ids reads each row so, and the
 * validator asks its index about exactly these rows.
 */
export function parsedClipId(values: RawRow['values']): string | undefined {
  if (isUnparsable(values)) return undefined;
  const id = clipIdSchema.safeParse(values.clip_id);
  return id.success ? id.data : undefined;
}

/** Checks rows one by one; duplicate clip ids (per `index`) are errors and the first occurrence wins. */
export class ManifestValidator {
  readonly #index: ClipIdIndex;
  readonly #file: string;
  readonly #round: number;

  constructor(file: string, round = 0, index: ClipIdIndex = new MemoryClipIdIndex()) {
    this.#file = file;
    this.#round = round;
    this.#index = index;
  }

  /** Validates one raw row. */
  check(raw: RawRow): ManifestItem {
    const fail = (clip_id: string, kind: ErrorKind, why: string): ManifestItem => ({
      row: raw.row,
      error: {
        clip_id,
        stage: MANIFEST_STAGE,
        round: this.#round,
        error_kind: kind,
        message: `${this.#file} row ${raw.row}: ${why}`,
        at: new Date().toISOString(),
      },
    });
    const v = raw.values;
    if (isUnparsable(v)) return fail(`row:${raw.row}`, 'manifest_row', `unparsable row: ${v.unparsable}`);
    const id = clipIdSchema.safeParse(v.clip_id);
    if (!id.success) return fail(`row:${raw.row}`, 'manifest_row', id.error.issues[0].message);
    const clip_id = id.data;
    // the index is asked about exactly the rows parsedClipId answers for
    const first = this.#index.firstRow(clip_id, raw.row);
    if (first !== undefined)
      return fail(
        clip_id,
        'manifest_row',
        `duplicate clip_id ${quote(clip_id)} (first seen at row ${first}); this row is skipped`,
      );
    const fields = clipFieldsSchema.safeParse(v);
    if (!fields.success) {
      const issue = fields.error.issues[0];
      return fail(clip_id, TIME_FIELDS.has(issue.path[0] ?? '') ? 'bad_time_range' : 'manifest_row', issue.message);
    }
    return { row: raw.row, clip: { clip_id, ...fields.data } };
  }
}
