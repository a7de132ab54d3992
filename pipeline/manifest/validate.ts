/**
 * Checks one manifest row and turns it into a clip or an error row. Every message names the
 * manifest file and the row number, so a user can find and fix the line.
 */
import type { ClipRow } from '../../schemas/clips.js';
import type { ErrorKind, ErrorRow } from '../../schemas/errors.js';
import { isUnparsable, type RawRow } from './raw.js';

/** The stage name recorded on manifest error rows. */
export const MANIFEST_STAGE = 'manifest';

/** A validated clip, or the error row that replaces it. */
export type ManifestItem = { readonly clip: ClipRow; readonly row: number } | { readonly error: ErrorRow; readonly row: number };

/** Tracks clip ids already seen (duplicates are errors; the first occurrence wins). */
export class ManifestValidator {
  readonly #seen = new Map<string, number>();
  readonly #file: string;
  readonly #round: number;

  constructor(file: string, round = 0) {
    this.#file = file;
    this.#round = round;
  }

  /** Validates one raw row. */
  check(raw: RawRow): ManifestItem {
    const where = `${this.#file} row ${raw.row}`;
    const fail = (clip_id: string, kind: ErrorKind, why: string): ManifestItem => ({
      row: raw.row,
      error: { clip_id, stage: MANIFEST_STAGE, round: this.#round, error_kind: kind, message: `${where}: ${why}`, at: new Date().toISOString() },
    });
    const v = raw.values;
    if (isUnparsable(v)) return fail(`row:${raw.row}`, 'manifest_row', `unparsable row: ${v.unparsable}`);
    const idRaw = v.clip_id;
    const clip_id = typeof idRaw === 'number' && Number.isFinite(idRaw) ? String(idRaw) : typeof idRaw === 'string' ? idRaw.trim() : '';
    if (clip_id === '') return fail(`row:${raw.row}`, 'manifest_row', `missing clip_id (got ${quote(idRaw)})`);
    const first = this.#seen.get(clip_id);
    if (first !== undefined) return fail(clip_id, 'manifest_row', `duplicate clip_id ${quote(clip_id)} (first seen at row ${first}); this row is skipped`);
    this.#seen.set(clip_id, raw.row);
    const uri = v.video_uri;
    if (typeof uri !== 'string' || uri.trim() === '' || uri.includes('\0')) {
      return fail(clip_id, 'manifest_row', `unreadable video_uri (got ${quote(uri)}): expected a non-empty path`);
    }
    const start = toNumber(v.start_s);
    const end = toNumber(v.end_s);
    if (start === undefined) return fail(clip_id, 'bad_time_range', `start_s is not a number (got ${quote(v.start_s)})`);
    if (end === undefined) return fail(clip_id, 'bad_time_range', `end_s is not a number (got ${quote(v.end_s)})`);
    if (start < 0) return fail(clip_id, 'bad_time_range', `start_s is negative (got ${start})`);
    if (end <= start) return fail(clip_id, 'bad_time_range', `end_s must be greater than start_s (got start_s=${start}, end_s=${end})`);
    const tags = toTags(v.tags);
    if (tags === 'bad') return fail(clip_id, 'manifest_row', `tags must be a list of strings, a JSON array or "a|b" (got ${quote(v.tags)})`);
    return {
      row: raw.row,
      clip: {
        clip_id,
        video_uri: uri,
        start_s: start,
        end_s: end,
        asr_text: typeof v.asr_text === 'string' ? v.asr_text : '',
        title: optString(v.title),
        tags,
        human_caption: optString(v.human_caption),
        split: optString(v.split),
      },
    };
  }
}

function quote(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function toNumber(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function optString(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function toTags(v: unknown): string[] | null | 'bad' {
  if (v === null || v === undefined || v === '') return null;
  if (Array.isArray(v)) return v.every((t) => typeof t === 'string') ? (v as string[]) : 'bad';
  if (typeof v === 'string') {
    if (v.trim().startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(v);
        return Array.isArray(parsed) && parsed.every((t) => typeof t === 'string') ? (parsed as string[]) : 'bad';
      } catch {
        return 'bad';
      }
    }
    return v.split('|').map((t) => t.trim()).filter((t) => t !== '');
  }
  return 'bad';
}
