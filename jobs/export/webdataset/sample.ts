/** One WebDataset sample of a refined row: its `.mp4`, optional `.frame-NNN.jpg`, `.json` and `.txt`. */
import type { RefinedRow } from '../../../schemas/refined.js';
import type { CutClip } from './cut-clip.js';
import type { SampleFile } from './shard-writer.js';

/** Where the exported rows came from (the Parquet export this WebDataset is derived from). */
export interface SampleLineage {
  readonly dataset_id: string;
  readonly schema_version: string;
}

/** Contents of a sample's `.json`. */
export interface SampleJson {
  readonly clip_id: string;
  readonly caption: string;
  /** Which candidate the round chose (`asr`, `synthetic`, `human`, …). */
  readonly source: string;
  /** AdaTaiLr row weight. */
  readonly weight: number;
  readonly round: number;
  /** The schedule tick that added the row; null for a round's row. */
  readonly tick: number | null;
  readonly model_version: string;
  readonly lineage: {
    readonly dataset_id: string;
    readonly schema_version: string;
    readonly run_id: string;
    readonly config_hash: string;
    readonly video_uri: string;
    readonly start_s: number;
    readonly end_s: number;
    readonly asr_text: string;
    /** The source and round that first chose the caption (a carried-over caption's, followed back; round null where unknown). */
    readonly origin_source: string;
    readonly origin_round: number | null;
    readonly choice_margin: number;
    readonly runner_up: string;
  };
  /** How the `.mp4` was cut: stream copy or re-encode, and why. */
  readonly cut: CutClip['cut'];
  readonly frames: number;
}

const text = new TextEncoder();

/** The sample's `.json` object. */
export function sampleJson(row: RefinedRow, clip: CutClip, lineage: SampleLineage): SampleJson {
  return {
    clip_id: row.clip_id,
    caption: row.caption,
    source: row.caption_source,
    weight: row.quality_weight,
    round: row.round,
    tick: row.tick,
    model_version: row.model_version,
    lineage: {
      ...lineage,
      run_id: row.run_id,
      config_hash: row.config_hash,
      video_uri: row.video_uri,
      start_s: row.start_s,
      end_s: row.end_s,
      asr_text: row.asr_text,
      origin_source: row.origin_source,
      origin_round: row.origin_round,
      choice_margin: row.choice_margin,
      runner_up: row.runner_up,
    },
    cut: clip.cut,
    frames: clip.frames.length,
  };
}

/** The sample's files, in the order they go into the tar. */
export function sampleFiles(row: RefinedRow, clip: CutClip, lineage: SampleLineage): SampleFile[] {
  return [
    { field: 'mp4', data: clip.mp4 },
    ...clip.frames.map((data, i) => ({ field: `frame-${String(i).padStart(3, '0')}.jpg`, data })),
    { field: 'json', data: text.encode(`${JSON.stringify(sampleJson(row, clip, lineage))}\n`) },
    { field: 'txt', data: text.encode(row.caption) },
  ];
}
