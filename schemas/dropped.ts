import { col, type Row, table } from './table.js';

/**
 * The clips a round chose to leave out, in the export's `dropped/clips.parquet`: which clip, the
 * caption the round would have chosen ('' when it had none) and why it was dropped, so no clip
 * leaves silently (the clips it could not process are in {@link failedTable}).
 */
export const droppedTable = table({
  clip_id: col.utf8(),
  video_uri: col.utf8(),
  start_s: col.float64(),
  end_s: col.float64(),
  /** The round that left it out; for a tick's clip, the job's last finished round before the tick (-1 when none). */
  round: col.int32(),
  /** The schedule tick that left it out; null for a refinement round's. */
  tick: col.nullable(col.int32()),
  /** The caption the choice ranked first ('' when the clip had no candidate). */
  caption: col.utf8(),
  caption_source: col.utf8(),
  /** Why: the choice's and the keep policy's reason, as the scores table records it. */
  reason: col.utf8(),
  quality_weight: col.float64(),
  asr_text: col.utf8(),
});

/** One dropped clip. */
export type DroppedRow = Row<typeof droppedTable>;

/** Arrow schema of an export's `dropped/clips.parquet`. */
export const droppedSchema = droppedTable.schema;

/**
 * The clips a round could not process, in the export's `errors/clips.parquet`: a missing or broken
 * video, a bad manifest row, a model error. One row per error, with the cause a user can act on (a
 * clip without frames names the frames run's error, not only that frames are missing).
 */
export const failedTable = table({
  /** The clip id, or `row:<n>` for a manifest row without a usable id. */
  clip_id: col.utf8(),
  /** Null for a manifest row that never became a clip. */
  video_uri: col.nullable(col.utf8()),
  start_s: col.nullable(col.float64()),
  end_s: col.nullable(col.float64()),
  /** The round that could not process it; for a tick's clip, the job's last finished round before the tick (-1 when none). */
  round: col.int32(),
  /** The schedule tick that could not process it; null for a refinement round's. */
  tick: col.nullable(col.int32()),
  /** The stage whose error is the cause (`frames` for a video that gave no frames). */
  stage: col.utf8(),
  /** One of `schemas/errors.ts`'s kinds. */
  error_kind: col.utf8(),
  message: col.utf8(),
});

/** One error of an export's `errors/clips.parquet`. */
export type FailedRow = Row<typeof failedTable>;

/** Arrow schema of an export's `errors/clips.parquet`. */
export const failedSchema = failedTable.schema;
