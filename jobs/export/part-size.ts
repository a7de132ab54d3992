/**
 * How many rows an export's data file holds unless the user says otherwise: about 15 MB of Parquet
 * at the demo's row size (its 848 rows take 50 kB), more with longer transcripts. A module of its own
 * so that the CLI can name it without loading the Parquet writer.
 */

/** Rows per export data file by default (`flywheel export --rows-per-file`). */
export const EXPORT_ROWS_PER_FILE = 250_000;
