import { col, type Row, table } from './table.js';

/**
 * The clips a round did not export, in the export's `dropped/clips.parquet`: which clip, the caption the
 * round would have chosen ('' when it had none) and why it was dropped, so no clip leaves silently.
 */
export const droppedTable = table({
  clip_id: col.utf8(),
  video_uri: col.utf8(),
  start_s: col.float64(),
  end_s: col.float64(),
  round: col.int32(),
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
