import { col, type Row, table } from './table.js';

/** Kinds of per-row failure; each names a cause a user can act on. */
export const errorKinds = [
  'manifest_row',
  'missing_file',
  'path_refused',
  'empty_file',
  'not_a_video',
  'decode_failed',
  'timeout',
  'bad_time_range',
  'model_error',
  'missing_frames',
  'internal',
] as const;

/** One of {@link errorKinds}. */
export type ErrorKind = (typeof errorKinds)[number];

/** The `errors` table: rows that failed in some stage (failures are data, the shard still completes). */
export const errorsTable = table({
  /** The clip id, or `row:<n>` when the manifest row had no usable id. */
  clip_id: col.utf8(),
  stage: col.utf8(),
  round: col.int32(),
  error_kind: col.utf8(),
  message: col.utf8(),
  /** ISO-8601 time the error was recorded. */
  at: col.utf8(),
});

/** A row that failed in some stage; `error_kind` is one of {@link errorKinds}. */
export type ErrorRow = Omit<Row<typeof errorsTable>, 'error_kind'> & { error_kind: ErrorKind };

/** Arrow schema of the `errors` table. */
export const errorsSchema = errorsTable.schema;
