import { Field, Float64, Int32, Schema, Utf8 } from 'apache-arrow';

/** One row of the cleaned, exported dataset, with lineage back to the run that produced it. */
export interface RefinedRow {
  clip_id: string;
  video_uri: string;
  start_s: number;
  end_s: number;
  caption: string;
  /** Which candidate the round chose (`asr`, `title`, `previous`, `synthetic`, `synthetic-frames`, `human`). */
  caption_source: string;
  /** The chosen candidate's evidence minus the best other candidate's (nats; 0 when it was the only one). Negative when a candidate the rule passed over — a model caption below its bar, or one within the margin of people's text — had more evidence. */
  choice_margin: number;
  /** The runner-up's source ('' when there was none). */
  runner_up: string;
  round: number;
  model_version: string;
  /** AdaTaiLr row weight, for external trainers. */
  quality_weight: number;
  /** The original noisy text, kept for lineage. */
  asr_text: string;
  run_id: string;
  config_hash: string;
}

/** Arrow schema of the exported `refined` dataset. */
export const refinedSchema = new Schema([
  new Field('clip_id', new Utf8(), false),
  new Field('video_uri', new Utf8(), false),
  new Field('start_s', new Float64(), false),
  new Field('end_s', new Float64(), false),
  new Field('caption', new Utf8(), false),
  new Field('caption_source', new Utf8(), false),
  new Field('choice_margin', new Float64(), false),
  new Field('runner_up', new Utf8(), false),
  new Field('round', new Int32(), false),
  new Field('model_version', new Utf8(), false),
  new Field('quality_weight', new Float64(), false),
  new Field('asr_text', new Utf8(), false),
  new Field('run_id', new Utf8(), false),
  new Field('config_hash', new Utf8(), false),
]);
