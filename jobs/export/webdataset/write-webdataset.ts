/**
 * `flywheel export --format webdataset`: the rows of a Parquet export as WebDataset tar shards of
 * `shardSize` samples (clip `.mp4`, optional frames, `.json`, `.txt`), plus `metadata.json` with
 * each shard's sha256 and `errors.parquet` for clips that could not be cut. Written to a temp
 * directory and renamed, so a reader never sees a half export; a re-run starts over.
 */
import { openAsBlob } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchToRows, rowsToBatch } from '../../../schemas/arrow.js';
import { parquetBytes, readParquetBatches } from '../../../pipeline/parquet.js';
import type { ErrorRow } from '../../../schemas/errors.js';
import { errorsSchema } from '../../../schemas/errors.js';
import type { RefinedRow } from '../../../schemas/refined.js';
import { resolveBinaries } from '../../../stages/frames/ffmpeg.js';
import { resolveMediaPath } from '../../../stages/frames/media-path.js';
import type { ExportMetadata } from '../export-metadata.js';
import { cutClip } from './cut-clip.js';
import { MediaToolError, type MediaTools } from './media-tools.js';
import { sampleFiles, type SampleLineage } from './sample.js';
import { type ShardInfo, ShardWriter } from './shard-writer.js';

/** Version tag of the WebDataset export layout. */
export const WEBDATASET_FORMAT = 'flywheel-webdataset/1';

/** The stage name on this export's error rows. */
export const WEBDATASET_STAGE = 'export-webdataset';

/** Contents of a WebDataset export's `metadata.json`. */
export interface WebDatasetMetadata {
  readonly format: typeof WEBDATASET_FORMAT;
  /** The Parquet export the samples were taken from. */
  readonly source: SampleLineage & {
    readonly round: number;
    readonly tick: number | null;
    readonly run_id: string;
    readonly config_hash: string;
    /** For a joined export (`export --with-ticks`): the exports it joins. */
    readonly parts?: ExportMetadata['parts'];
  };
  readonly shard_size: number;
  readonly frames_per_sample: number;
  readonly samples: number;
  readonly errors: number;
  /** Samples by cut method. */
  readonly cuts: { readonly copy: number; readonly reencode: number };
  readonly shards: ShardInfo[];
  readonly exported_at: string;
}

/** Options of {@link writeWebDataset}. */
export interface WebDatasetOptions {
  /** A Parquet export directory (`metadata.json` + `part-*.parquet`). */
  readonly from: string;
  readonly out: string;
  /** Every `video_uri` must resolve inside this directory. */
  readonly mediaRoot: string;
  readonly shardSize: number;
  /** JPEG frames per sample (0: none). */
  readonly frames?: number;
  /** Seconds one ffmpeg run may take. Default 120. */
  readonly timeoutS?: number;
}

async function* refinedRows(dir: string, meta: ExportMetadata): AsyncIterable<RefinedRow> {
  for (const f of meta.files)
    for await (const batch of readParquetBatches(await openAsBlob(join(dir, f.name))))
      yield* batchToRows<RefinedRow>(batch);
}

/** Writes the WebDataset export of the Parquet export `opts.from` to `opts.out`. */
export async function writeWebDataset(opts: WebDatasetOptions): Promise<WebDatasetMetadata> {
  const meta = JSON.parse(await readFile(join(opts.from, 'metadata.json'), 'utf8')) as ExportMetadata;
  const tools: MediaTools = { bins: resolveBinaries(), timeoutS: opts.timeoutS ?? 120 };
  const frames = opts.frames ?? 0;
  const lineage: SampleLineage = { dataset_id: meta.dataset_id, schema_version: meta.schema_version };
  const tmp = `${opts.out}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const scratch = await mkdtemp(join(tmpdir(), 'flywheel-wds-'));
  const shards = new ShardWriter(tmp, opts.shardSize);
  const errors: ErrorRow[] = [];
  const cuts = { copy: 0, reencode: 0 };
  let samples = 0;
  const fail = (row: RefinedRow, kind: ErrorRow['error_kind'], message: string): void => {
    errors.push({
      clip_id: row.clip_id,
      stage: WEBDATASET_STAGE,
      round: row.round,
      error_kind: kind,
      message,
      at: new Date().toISOString(),
    });
  };
  try {
    for await (const row of refinedRows(opts.from, meta)) {
      const media = await resolveMediaPath(opts.mediaRoot, row.video_uri);
      if ('error' in media) {
        fail(row, media.error.kind, media.error.message);
        continue;
      }
      let clip;
      try {
        clip = await cutClip(tools, media.path, { start: row.start_s, end: row.end_s }, { frames, scratch });
      } catch (e) {
        if (!(e instanceof MediaToolError) && !(e instanceof SyntaxError)) throw e;
        fail(row, 'decode_failed', `${row.video_uri} [${row.start_s}, ${row.end_s}): ${e.message}`);
        continue;
      }
      await shards.add(String(samples).padStart(9, '0'), sampleFiles(row, clip, lineage));
      cuts[clip.cut.method]++;
      samples++;
    }
    const metadata: WebDatasetMetadata = {
      format: WEBDATASET_FORMAT,
      source: {
        ...lineage,
        round: meta.round,
        tick: meta.tick ?? null,
        run_id: meta.run_id,
        config_hash: meta.config_hash,
        ...(meta.parts ? { parts: meta.parts } : {}),
      },
      shard_size: opts.shardSize,
      frames_per_sample: frames,
      samples,
      errors: errors.length,
      cuts,
      shards: await shards.close(),
      exported_at: new Date().toISOString(),
    };
    await writeFile(join(tmp, 'errors.parquet'), parquetBytes(errorsSchema, [rowsToBatch(errorsSchema, errors)]));
    await writeFile(join(tmp, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
    await rm(opts.out, { recursive: true, force: true });
    await rename(tmp, opts.out);
    return metadata;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The media root a refine job was configured with (from its `job.json`), for resolving `video_uri`. */
export async function jobMediaRoot(jobDir: string): Promise<string> {
  const path = join(jobDir, 'job.json');
  const job = JSON.parse(await readFile(path, 'utf8')) as { config?: { media_root?: unknown } };
  const root = job.config?.media_root;
  if (typeof root !== 'string' || root === '') throw new Error(`${path} records no media_root; pass --media-root`);
  return root;
}
