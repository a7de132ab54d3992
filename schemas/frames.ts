import { col, type Row, table } from './table.js';

/** The `frames` table: small model-sized frames, one row per sampled frame. */
export const framesTable = table({
  clip_id: col.utf8(),
  frame_index: col.int32(),
  timestamp_s: col.float64(),
  width: col.int32(),
  height: col.int32(),
  /** Packed RGB8 pixels, row-major, `width * height * 3` bytes. */
  pixels: col.binary(),
});

/** One sampled frame of a clip, already resized to the model's input size. */
export type FrameRow = Row<typeof framesTable>;

/** Arrow schema of the `frames` table. */
export const framesSchema = framesTable.schema;
