import { col, type Row, table } from './table.js';
import { clipsTable } from './clips.js';

/** The frame columns added to a clip row. */
export const clipFramesColumns = {
  frame_count: col.int32(),
  frame_width: col.int32(),
  frame_height: col.int32(),
  /** `frame_count` RGB8 frames back to back, each `frame_width * frame_height * 3` bytes. */
  frames: col.binary(),
};

/** The `clip_frames` table: a clip with its frames packed in one buffer, the model stages' input (in-flight only). */
export const clipFramesTable = table({ ...clipsTable.columns, ...clipFramesColumns });

/** A clip with its sampled frames (a row of {@link clipFramesTable}). */
export type ClipFramesRow = Row<typeof clipFramesTable>;

/** Arrow schema of the `clip_frames` table (the frames are stored once, by the frames stage). */
export const clipFramesSchema = clipFramesTable.schema;
