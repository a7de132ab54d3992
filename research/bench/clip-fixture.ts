/**
 * What the manifest benches share: web-like clip rows written to Parquet a batch at a time, and the
 * manifest read the way it was before duplicates were found on disk (the baseline).
 */
import { type ManifestItem, ManifestValidator, MemoryClipIdIndex, readRawRows } from '../../pipeline/manifest/index.js';
import { ParquetStreamWriter } from '../../pipeline/parquet.js';
import type { LocalStorage } from '../../pipeline/storage.js';
import { rowsToBatch } from '../../schemas/arrow.js';
import { type ClipRow, clipsSchema } from '../../schemas/clips.js';

/** Clip `i` as a web manifest would hold it: a transcript and a title. */
export function clipRow(i: number): ClipRow {
  const id = `clip-${String(i).padStart(9, '0')}`;
  return {
    clip_id: id,
    video_uri: `videos/${id}.mp4`,
    start_s: 0,
    end_s: 8,
    asr_text: `okay so you can see a red square going right and a blue circle just sitting there ${i % 997}`,
    title: `Shapes ${i % 101} | Learn Colors`,
    tags: null,
    human_caption: null,
    split: null,
  };
}

/** Writes clips `from`…`to − 1` to a Parquet file, a batch at a time; row `i` is clip `clipOf(i)`. */
export async function writeClips(
  storage: LocalStorage,
  key: string,
  from: number,
  to: number,
  clipOf: (i: number) => number = (i) => i,
): Promise<void> {
  const w = new ParquetStreamWriter(storage, key, clipsSchema, {});
  for (let s = from; s < to; s += 8192) {
    const rows: ClipRow[] = [];
    for (let i = s; i < Math.min(to, s + 8192); i++) rows.push(clipRow(clipOf(i)));
    await w.write(rowsToBatch(clipsSchema, rows));
  }
  await storage.commit(await w.close(), { overwrite: true });
}

/** A manifest's items as the validator gives them holding every clip id in memory: the baseline. */
export async function* inMemoryManifest(path: string): AsyncGenerator<ManifestItem> {
  const validator = new ManifestValidator(path, 0, new MemoryClipIdIndex());
  for await (const raw of readRawRows(path)) yield validator.check(raw);
}
