import { Binary, Field, Float64, Int32, Schema, Utf8 } from 'apache-arrow';

/** One sampled frame of a clip, already resized to the model's input size. */
export interface FrameRow {
  clip_id: string;
  frame_index: number;
  timestamp_s: number;
  width: number;
  height: number;
  /** Packed RGB8 pixels, row-major, `width * height * 3` bytes. */
  pixels: Uint8Array;
}

/** Arrow schema of the `frames` table: small model-sized frames, one row per sampled frame. */
export const framesSchema = new Schema([
  new Field('clip_id', new Utf8(), false),
  new Field('frame_index', new Int32(), false),
  new Field('timestamp_s', new Float64(), false),
  new Field('width', new Int32(), false),
  new Field('height', new Int32(), false),
  new Field('pixels', new Binary(), false),
]);
