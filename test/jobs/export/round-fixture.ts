/**
 * A finished refine round built by code, without training: `job.json`, `metrics/round-0.json`
 * (its trinity measured by the real dataset metrics) and the round's run (`run.json`, clips,
 * caption and adatailr outputs and errors in two shards; the frames run's errors), over clips of the
 * generated test videos; and a tick's export of the one clip that round failed on.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Schema } from 'apache-arrow';
import { rowsToBatch } from '../../../schemas/arrow.js';
import type { ExportMetadata } from '../../../jobs/export/export-metadata.js';
import { type RefinedRow, refinedSchema } from '../../../schemas/refined.js';
import { layout } from '../../../pipeline/layout.js';
import { RUN_FORMAT, type RunMeta } from '../../../pipeline/ledger.js';
import { parquetBytes } from '../../../pipeline/parquet.js';
import { datasetReport, trinity } from '../../../jobs/refine/dataset-metrics.js';
import { jobLayout } from '../../../jobs/refine/layout.js';
import type { RoundRecord } from '../../../jobs/refine/round-metrics.js';
import { type CaptionRow, captionsSchema } from '../../../schemas/captions.js';
import { type ClipRow, clipsSchema } from '../../../schemas/clips.js';
import { type ErrorRow, errorsSchema } from '../../../schemas/errors.js';
import { type ScoreRow, scoresSchema } from '../../../schemas/scores.js';
import { roundBookkeeping } from '../../helpers/round-record.js';

/** One clip of the fixture and what the round decided for it. */
export interface FixtureClip {
  readonly clip: ClipRow;
  readonly keep: boolean;
  readonly source: string;
}

const clip = (id: string, uri: string, start: number, end: number, split = 'train'): ClipRow => ({
  clip_id: id,
  video_uri: uri,
  start_s: start,
  end_s: end,
  asr_text: `um so ${id} the spoken words`,
  title: null,
  tags: null,
  human_caption: null,
  split,
});

/**
 * The clips (`basic.mp4` is 6 s at 25 fps with a keyframe every second): starts on a keyframe
 * (stream copy), off a keyframe (re-encode), a held-out clip, a dropped one, and a missing video.
 */
export const FIXTURE_CLIPS: readonly FixtureClip[] = [
  { clip: clip('on-key-0', 'basic.mp4', 0, 2), keep: true, source: 'synthetic' },
  { clip: clip('on-key-1', 'basic.mp4', 1, 3), keep: true, source: 'asr' },
  { clip: clip('off-key', 'basic.mp4', 1.48, 3.2), keep: true, source: 'teacher' },
  { clip: clip('late', 'basic.mp4', 3.52, 5.6), keep: true, source: 'human' },
  { clip: clip('held', 'basic.mp4', 2, 4, 'heldout'), keep: true, source: 'asr' },
  { clip: clip('dropped', 'basic.mp4', 0, 1), keep: false, source: 'asr' },
  { clip: clip('missing', 'nope.mp4', 0, 1), keep: true, source: 'asr' },
];

/**
 * A clip whose video is gone: it is in the round's input but got no frames, so the round has an
 * attach-frames error for it and the frames run the error that says why; and a manifest row that
 * never became a clip.
 */
export const FIXTURE_FAILED = clip('no-video', 'gone.mp4', 0, 2);

const error = (clipId: string, stage: string, kind: string, message: string): ErrorRow => ({
  clip_id: clipId,
  stage,
  round: 0,
  error_kind: kind as ErrorRow['error_kind'],
  message,
  at: '2026-01-01T00:00:00Z',
});

/** The errors the fixture's runs hold: the frames run's cause, the round's symptom, a bad manifest row. */
export const FIXTURE_ERRORS = {
  frames: error('no-video', 'frames', 'missing_file', 'video file not found: gone.mp4'),
  round: error(
    'no-video',
    'attach-frames',
    'missing_frames',
    'no frames stored for clip no-video: the frames run failed it (missing_file: video file not found: gone.mp4)',
  ),
  manifest: error('row:9', 'manifest', 'manifest_row', 'clips.parquet row 9: clip_id is empty'),
};

/** The caption rows' `model_version`: a writer model and a teacher both wrote candidates. */
export const FIXTURE_CAPTION_VERSION = `${'m'.repeat(64)}+teacher:${'t'.repeat(64)}`;

const caption = (c: FixtureClip): string => `a red square moves left in ${c.clip.clip_id}`;

function score(c: FixtureClip): ScoreRow {
  return {
    clip_id: c.clip.clip_id,
    round: 0,
    caption: caption(c),
    caption_source: c.source,
    candidate_sources: [c.source, 'title'],
    candidate_scores: [-3, -5],
    candidate_weights: [],
    margin: 2,
    runner_up: 'title',
    adatailr_weight: c.keep ? 0.75 : 0,
    mean_token_weight: 0.75,
    nll: 1.5,
    token_weights: [0.5, 1],
    gamma: 0.3,
    rho: 0.2,
    keep: c.keep,
    reason: 'fixture',
  };
}

const table = <T extends object>(schema: Schema, rows: readonly T[]) =>
  parquetBytes(schema, [rowsToBatch(schema, rows)]);

/** The round's metrics record: its trinity measured on the kept train rows (no truth: no quality). */
function roundRecord(): RoundRecord {
  const train = FIXTURE_CLIPS.filter((c) => c.clip.split === 'train');
  const kept = train
    .filter((c) => c.keep)
    .map((c) => ({ clipId: c.clip.clip_id, caption: caption(c), source: c.source }));
  const raw = train.map((c) => ({ clipId: c.clip.clip_id, caption: c.clip.asr_text, source: 'raw' }));
  return {
    ...roundBookkeeping(),
    dataset: datasetReport(kept),
    raw: trinity(raw),
    keptShare: kept.length / raw.length,
    adatailr: {
      rows: train.length,
      dropped: 1,
      reweighted: kept.length,
      meanWeight: 0.75,
      gamma: 0.3,
      rho: 0.2,
      chosen: {},
    },
    evalClips: 0,
  };
}

/** Writes the job directory; returns its path. */
export async function writeRoundFixture(jobDir: string, mediaRoot: string): Promise<string> {
  const l = jobLayout(jobDir);
  const run = l.roundRun(0);
  const shards = [FIXTURE_CLIPS.slice(0, 4), FIXTURE_CLIPS.slice(4)];
  const shardIds = ['shard-00000', 'shard-00001'];
  for (const d of ['input', 'caption', 'adatailr', 'errors']) await mkdir(join(run, d), { recursive: true });
  await mkdir(join(l.framesRun, 'errors'), { recursive: true });
  await writeFile(
    join(l.framesRun, layout.errors('frames', 'shard-00000')),
    table(errorsSchema, [FIXTURE_ERRORS.frames]),
  );
  await writeFile(
    join(run, layout.errors('attach-frames', 'shard-00001')),
    table(errorsSchema, [FIXTURE_ERRORS.round]),
  );
  await writeFile(join(run, layout.manifestErrors), table(errorsSchema, [FIXTURE_ERRORS.manifest]));
  await mkdir(l.metricsDir, { recursive: true });
  await writeFile(l.jobMeta, JSON.stringify({ config_hash: 'c'.repeat(64), config: { media_root: mediaRoot } }));
  await writeFile(l.roundMetrics(0), JSON.stringify(roundRecord()));
  const meta: RunMeta = {
    format: RUN_FORMAT,
    run_id: 'run-fixture',
    created_at: '2026-01-01T00:00:00Z',
    config_hash: 'c'.repeat(64),
    round: 0,
    manifest: { path: 'clips.parquet', sha256: '0'.repeat(64), rows: 9, clips: 8, errors: 1 },
    stages: [],
    shard_size: 4,
    shards: shardIds,
    config: {},
  };
  await writeFile(join(run, layout.runMeta), JSON.stringify(meta));
  for (const [i, rows] of shards.entries()) {
    const id = shardIds[i];
    await writeFile(
      join(run, layout.input(id)),
      table(clipsSchema, [...rows.map((c) => c.clip), ...(i === 1 ? [FIXTURE_FAILED] : [])]),
    );
    const captions: CaptionRow[] = rows.map((c) => ({
      clip_id: c.clip.clip_id,
      round: 0,
      model_version: FIXTURE_CAPTION_VERSION,
      candidate_sources: [c.source],
      candidate_captions: [caption(c)],
    }));
    await writeFile(join(run, layout.output('caption', id)), table(captionsSchema, captions));
    await writeFile(join(run, layout.output('adatailr', id)), table(scoresSchema, rows.map(score)));
  }
  return jobDir;
}

/**
 * A tick's export with one row, for the clip the round could not process (its video turned up):
 * written by hand from the round's row layout, as a tick would write it.
 */
export async function recoveredTick(dir: string, like: RefinedRow, meta: ExportMetadata): Promise<void> {
  const row: RefinedRow = {
    ...like,
    clip_id: FIXTURE_FAILED.clip_id,
    video_uri: FIXTURE_FAILED.video_uri,
    round: 0,
    tick: 1,
    origin_round: null,
    run_id: 'tick-1-run',
  };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'part-00000.parquet'), parquetBytes(refinedSchema, [rowsToBatch(refinedSchema, [row])]));
  const m: ExportMetadata = {
    ...meta,
    dataset_id: 'd'.repeat(64),
    tick: 1,
    run_id: 'tick-1-run',
    rows: 1,
    dropped: 0,
    errors: 0,
    heldout_excluded: 0,
    by_source: { [row.caption_source]: 1 },
    by_origin: { [`${row.origin_source} tick 1`]: 1 },
    files: [{ name: 'part-00000.parquet', rows: 1, sha256: '', content_sha256: '' }],
    rounds: [],
  };
  await writeFile(join(dir, 'metadata.json'), JSON.stringify(m));
}
