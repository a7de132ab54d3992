/** Writers of small manifests (JSONL, CSV, Parquet) for tests. */
import { writeFile } from 'node:fs/promises';
import { rowsToBatch } from '../../schemas/arrow.js';
import { parquetBytes } from '../../pipeline/parquet.js';
import { clipsSchema, type ClipRow } from '../../schemas/clips.js';

/** A clip row with defaults for the text fields. */
export function clip(clip_id: string, video_uri: string, start_s: number, end_s: number): ClipRow {
  return {
    clip_id,
    video_uri,
    start_s,
    end_s,
    asr_text: `asr ${clip_id}`,
    title: null,
    tags: null,
    human_caption: null,
    split: null,
  };
}

/** Writes rows (any objects, so tests can write bad ones) as JSON Lines. */
export async function writeJsonl(path: string, rows: readonly unknown[]): Promise<string> {
  await writeFile(path, rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
  return path;
}

/** Writes clips as a Parquet manifest with the `clips` schema. */
export async function writeParquetManifest(path: string, rows: readonly ClipRow[]): Promise<string> {
  await writeFile(path, parquetBytes(clipsSchema, [rowsToBatch(clipsSchema, rows)]));
  return path;
}

/** `n` clips of 1 s each over `videos` (round-robin), ids `c0000`… */
export function manyClips(n: number, videos: readonly string[], length = 1): ClipRow[] {
  return Array.from({ length: n }, (_, i) =>
    clip(`c${String(i).padStart(4, '0')}`, videos[i % videos.length], 0, length),
  );
}
