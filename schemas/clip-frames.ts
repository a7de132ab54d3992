import { Binary, Field, Int32, Schema } from 'apache-arrow';
import type { ClipRow } from './clips.js';
import { clipsSchema } from './clips.js';

/** A clip with its sampled frames packed in one buffer: the model stages' input, one row per clip. */
export interface ClipFramesRow extends ClipRow {
  frame_count: number;
  frame_width: number;
  frame_height: number;
  /** `frame_count` RGB8 frames back to back, each `frame_width * frame_height * 3` bytes. */
  frames: Uint8Array;
}

/** The frame columns added to a clip row. */
export const clipFramesFields = [
  new Field('frame_count', new Int32(), false),
  new Field('frame_width', new Int32(), false),
  new Field('frame_height', new Int32(), false),
  new Field('frames', new Binary(), false),
];

/** Arrow schema of the `clip_frames` table (in-flight only: the frames are stored once, by the frames stage). */
export const clipFramesSchema = new Schema([...clipsSchema.fields, ...clipFramesFields]);
