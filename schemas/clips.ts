import { col, type Row, table } from './table.js';

/** The `clips` table (the manifest): a time range of a video plus its noisy web text. Every job starts from it. */
export const clipsTable = table({
  clip_id: col.utf8(),
  video_uri: col.utf8(),
  start_s: col.float64(),
  end_s: col.float64(),
  asr_text: col.utf8(),
  title: col.nullable(col.utf8()),
  tags: col.nullable(col.list(col.nullable(col.utf8()))),
  /** A human-refined caption; present only on the small human refinement subset. */
  human_caption: col.nullable(col.utf8()),
  /** Which split the clip belongs to (`train`, `human`, `heldout`); null means `train`. */
  split: col.nullable(col.utf8()),
});

/** One input clip (a row of {@link clipsTable}). */
export type ClipRow = Row<typeof clipsTable>;

/** Arrow schema of the `clips` table. */
export const clipsSchema = clipsTable.schema;
