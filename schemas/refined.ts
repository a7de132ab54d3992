import { col, type Row, table } from './table.js';

/** The exported `refined` dataset: one row per kept clip, with lineage back to the run that produced it (each column: {@link REFINED_COLUMNS}). */
export const refinedTable = table({
  clip_id: col.utf8(),
  video_uri: col.utf8(),
  start_s: col.float64(),
  end_s: col.float64(),
  caption: col.utf8(),
  caption_source: col.utf8(),
  choice_margin: col.float64(),
  runner_up: col.utf8(),
  round: col.int32(),
  tick: col.nullable(col.int32()),
  model_version: col.utf8(),
  origin_source: col.utf8(),
  origin_round: col.nullable(col.int32()),
  quality_weight: col.float64(),
  asr_text: col.utf8(),
  run_id: col.utf8(),
  config_hash: col.utf8(),
});

/** One row of the cleaned, exported dataset. */
export type RefinedRow = Row<typeof refinedTable>;

/** Arrow schema of the exported `refined` dataset. */
export const refinedSchema = refinedTable.schema;

/** What each column of the export means: one place, for readers of this file and of the export's dataset card. */
export const REFINED_COLUMNS: Readonly<Record<keyof RefinedRow, string>> = {
  clip_id: 'The clip, unique in the dataset.',
  video_uri: 'The video the clip is a time range of.',
  start_s: "The clip's start in the video, seconds.",
  end_s: "The clip's end in the video, seconds.",
  caption: 'The refined caption.',
  caption_source:
    "Which candidate the round chose: `asr` (the transcript), `title`, `title-lead` (the title's part before a vertical bar, without the tagline after it), `previous` (last round's choice, carried over), `teacher`, `synthetic` (the round's captioner, frames + text), `synthetic-frames` (frames alone), `synthetic-sampled`, or `human`.",
  choice_margin:
    "The chosen candidate's rank (its evidence, plus the weight bonus when the rule sets one) minus the best other candidate's, in nats; 0 when it was the only one. Negative when a candidate the rule passed over ranked higher: a model caption below its bar, or one within the margin of people's text.",
  runner_up: "The runner-up's source ('' when there was none).",
  round:
    "The refinement round that chose the row; for a row a schedule tick added, the job's last finished round before that tick (-1 when it had none).",
  tick: "The schedule tick that added the row (a clip that arrived after the refine job); null for a refinement round's row.",
  model_version:
    "The model that wrote the caption (`text` for people's text); for a carried-over caption, the one that wrote it in the round that first chose it (`previous-round` where that is unknown).",
  origin_source:
    'The source the caption was first chosen from: `caption_source`, unless that is `previous`, which is followed back to the round that first chose the same text (`previous` where that is unknown).',
  origin_round:
    'The round that first chose the caption: `round`, unless carried over; null where that is unknown, and for a row a tick added (`tick` chose it).',
  quality_weight: 'The AdaTaiLr row weight, for trainers that weigh rows.',
  asr_text: "The clip's original transcript, kept for lineage.",
  run_id: 'The engine run of the round.',
  config_hash: "The hash of the job's config.",
};
