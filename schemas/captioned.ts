import { Schema } from 'apache-arrow';
import type { CaptionRow } from './captions.js';
import { captionsSchema } from './captions.js';
import type { ClipFramesRow } from './clip-frames.js';
import { clipFramesSchema } from './clip-frames.js';

/** A clip with its frames and this round's caption: what the caption stage hands to the adatailr stage. */
export type CaptionedRow = ClipFramesRow & Omit<CaptionRow, 'clip_id'>;

/** Arrow schema of the in-flight `captioned` table; only its `captions` columns are stored. */
export const captionedSchema = new Schema([
  ...clipFramesSchema.fields,
  ...captionsSchema.fields.filter((f) => f.name !== 'clip_id'),
]);
