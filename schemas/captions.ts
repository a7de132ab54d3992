import { col, type Row, table } from './table.js';

/**
 * Where a candidate caption came from: the clip's own transcript (`asr`) or title (`title`, and
 * `title-lead`: the part before a vertical bar, without a tagline such as "| Learn Shapes"), the
 * caption chosen for it last round (`previous`), this round's model (`synthetic`: frames + text,
 * `synthetic-frames`: frames only, `synthetic-sampled`: frames + text, sampled rather than the most
 * likely wording), a pretrained teacher's caption of the frames (`teacher`, round 0
 * with `model.teacher`), or a human (`human`, the fine-tuning set: its only candidate).
 */
export const CANDIDATE_SOURCES = [
  'asr',
  'title',
  'title-lead',
  'previous',
  'synthetic',
  'synthetic-frames',
  'synthetic-sampled',
  'teacher',
  'human',
] as const;

/** Whether a source is the clip's title, whole (`title`) or its lead part (`title-lead`). */
export function isTitleSource(source: string): boolean {
  return source === 'title' || source === 'title-lead';
}

/** One candidate source. */
export type CandidateSource = (typeof CANDIDATE_SOURCES)[number];

/** Prefix of a teacher's id in a `model_version` value. */
export const TEACHER_VERSION_PREFIX = 'teacher:';

/**
 * The `model_version` of a round's caption rows: the writers' version (`text` when no model wrote),
 * joined by `+` with `teacher:<teacher id>` when a pretrained teacher wrote candidates too.
 */
export function captionModelVersion(writerVersion: string, teacherId?: string): string {
  if (teacherId === undefined) return writerVersion;
  const teacher = `${TEACHER_VERSION_PREFIX}${teacherId}`;
  return writerVersion === 'text' ? teacher : `${writerVersion}+${teacher}`;
}

/**
 * Which model wrote a chosen caption, for the export's lineage: the teacher's `teacher:<id>` for a
 * teacher caption, the writers' version for a synthetic one, `previous-round` for last round's
 * choice (the export follows it back to its writer where it can: `jobs/export/caption-origin.ts`)
 * and `text` for a clip's own text or a human caption.
 */
export function writerOf(source: string, modelVersion: string): string {
  const parts = modelVersion.split('+');
  const teacher = parts.find((p) => p.startsWith(TEACHER_VERSION_PREFIX));
  const writers = parts.filter((p) => !p.startsWith(TEACHER_VERSION_PREFIX) && p !== 'text');
  if (source === 'teacher') return teacher ?? 'text';
  if (source.startsWith('synthetic')) return writers[0] ?? 'text';
  if (source === 'previous') return 'previous-round';
  return 'text';
}

/** The caption columns of a clip in one round (every column of `captions` but `clip_id`). */
export const captionColumns = {
  round: col.int32(),
  /** Who wrote this round's model candidates: see {@link captionModelVersion} (`text` when no model did). */
  model_version: col.utf8(),
  /** Each candidate's source, aligned with `candidate_captions`; empty when the clip has no text and no model ran. */
  candidate_sources: col.list(col.utf8()),
  candidate_captions: col.list(col.utf8()),
};

/** The `captions` table: a clip's candidate captions in one round, the caption stage's stored output. */
export const captionsTable = table({ clip_id: col.utf8(), ...captionColumns });

/** A row of {@link captionsTable}. */
export type CaptionRow = Row<typeof captionsTable>;

/** Arrow schema of the `captions` table. */
export const captionsSchema = captionsTable.schema;
