import { col, type Row, table } from '../pipeline/table.js';

/** The exported `refined` dataset: one row per kept clip, with lineage back to the run that produced it. */
export const refinedTable = table({
  clip_id: col.utf8(),
  video_uri: col.utf8(),
  start_s: col.float64(),
  end_s: col.float64(),
  caption: col.utf8(),
  /** Which candidate the round chose (`asr`, `title`, `previous`, `synthetic`, `synthetic-frames`, `synthetic-sampled`, `human`). */
  caption_source: col.utf8(),
  /** The chosen candidate's rank (its evidence, plus the weight bonus when the rule sets one) minus the best other candidate's (nats; 0 when it was the only one). Negative when a candidate the rule passed over — a model caption below its bar, or one within the margin of people's text — ranked higher. */
  choice_margin: col.float64(),
  /** The runner-up's source ('' when there was none). */
  runner_up: col.utf8(),
  round: col.int32(),
  /** The model that wrote the caption (`text` for people's text); for a carried-over caption, the one that wrote it in its first round (`previous-round` where that is unknown). */
  model_version: col.utf8(),
  /** The source the caption was first chosen from: `caption_source`, unless that is `previous`, which is followed back to the round that first chose the same text (`previous` where that is unknown). */
  origin_source: col.utf8(),
  /** The round that first chose the caption: `round`, unless carried over; null where that is unknown. */
  origin_round: col.nullable(col.int32()),
  /** AdaTaiLr row weight, for external trainers. */
  quality_weight: col.float64(),
  /** The original noisy text, kept for lineage. */
  asr_text: col.utf8(),
  run_id: col.utf8(),
  config_hash: col.utf8(),
});

/** One row of the cleaned, exported dataset. */
export type RefinedRow = Row<typeof refinedTable>;

/** Arrow schema of the exported `refined` dataset. */
export const refinedSchema = refinedTable.schema;
