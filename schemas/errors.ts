import { Field, Int32, Schema, Utf8 } from 'apache-arrow';

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

/** A row that failed in some stage: failures are data, the shard still completes. */
export interface ErrorRow {
  /** The clip id, or `row:<n>` when the manifest row had no usable id. */
  clip_id: string;
  stage: string;
  round: number;
  error_kind: ErrorKind;
  message: string;
  /** ISO-8601 time the error was recorded. */
  at: string;
}

/** Arrow schema of the `errors` table. */
export const errorsSchema = new Schema([
  new Field('clip_id', new Utf8(), false),
  new Field('stage', new Utf8(), false),
  new Field('round', new Int32(), false),
  new Field('error_kind', new Utf8(), false),
  new Field('message', new Utf8(), false),
  new Field('at', new Utf8(), false),
]);
