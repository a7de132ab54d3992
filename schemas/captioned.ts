import { table, type Row } from './table.js';
import { captionColumns } from './captions.js';
import { clipFramesTable } from './clip-frames.js';

/** The in-flight `captioned` table: a clip with its frames and this round's candidates; only its `captions` columns are stored. */
export const captionedTable = table({ ...clipFramesTable.columns, ...captionColumns });

/** What the caption stage hands to the adatailr stage (a row of {@link captionedTable}). */
export type CaptionedRow = Row<typeof captionedTable>;

/** Arrow schema of the `captioned` table. */
export const captionedSchema = captionedTable.schema;
