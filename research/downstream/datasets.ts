/**
 * Loading what a comparison compares: a refine job's round export (columns read by name, extra
 * columns ignored), a raw manifest (its transcripts as the text), the truth-caption upper bound,
 * and the held-out set. The truth sidecar is read here only to build the held-out queries and the
 * explicit upper-bound dataset — never for the datasets being judged.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readParquetTable } from '../../pipeline/parquet-file.js';
import { hash32, makeRng, mulberry32, shuffled } from '../../models/rng.js';
import { corruptAttributes, narrate } from '../benchmark/asr.js';
import { renderCaption, type CaptionAttrs } from '../benchmark/grammar.js';
import { truthAttrs } from '../benchmark/truth.js';
import { readManifest } from '../../pipeline/manifest/index.js';
import type { ClipRow } from '../../schemas/clips.js';
import { readTruthMap } from '../../jobs/refine/truth-file.js';
import { type TruthRow } from '../../schemas/truth.js';
import type { QueryWording } from './wordings.js';
import type { DownstreamDataset, DownstreamRow, HeldoutClip } from './types.js';

/** Columns an export must have. */
export const EXPORT_COLUMNS = ['clip_id', 'caption', 'quality_weight'] as const;

/** The rows of a refine round export (`exports/round-<k>/`): clip, caption, `quality_weight`; other columns ignored. */
export async function readExportDataset(
  dir: string,
  name?: string,
): Promise<DownstreamDataset & { bySource: Record<string, number> }> {
  if (!existsSync(dir)) throw new Error(`export ${dir}: no such directory`);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.parquet')).sort();
  if (files.length === 0)
    throw new Error(`export ${dir}: no .parquet files (is it a refine export, exports/round-<k>/?)`);
  let round: number | undefined;
  if (existsSync(join(dir, 'metadata.json'))) {
    try {
      const meta = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as { round?: unknown };
      if (typeof meta.round === 'number') round = meta.round;
    } catch (e) {
      throw new Error(`export ${dir}: metadata.json is not JSON (${(e as Error).message})`, { cause: e });
    }
  }
  const rows: DownstreamRow[] = [];
  const bySource: Record<string, number> = {};
  for (const f of files) {
    const table = await readParquetTable(join(dir, f));
    const have = new Set(table.schema.fields.map((x) => x.name));
    const lacking = EXPORT_COLUMNS.filter((c) => !have.has(c));
    if (lacking.length)
      throw new Error(`export ${join(dir, f)}: no column ${lacking.join(', ')} (has ${[...have].join(', ')})`);
    const col = (c: string) => table.getChild(c)!;
    const [ids, caps, ws] = [col('clip_id'), col('caption'), col('quality_weight')];
    const src = have.has('caption_source') ? col('caption_source') : null;
    for (let i = 0; i < table.numRows; i++) {
      const w: unknown = ws.get(i);
      // a null weight is not 0: it becomes NaN, which validation refuses with the row named
      rows.push({
        clip_id: String(ids.get(i) ?? ''),
        caption: String(caps.get(i) ?? ''),
        weight: w === null || w === undefined ? Number.NaN : Number(w),
      });
      const s = src ? String(src.get(i)) : 'unknown';
      bySource[s] = (bySource[s] ?? 0) + 1;
    }
  }
  return { name: name ?? (round !== undefined ? `round-${round}` : 'export'), rows, source: dir, bySource };
}

/** A manifest's clips; a malformed row is an error naming the file and row. */
export async function readManifestClips(path: string): Promise<ClipRow[]> {
  const clips: ClipRow[] = [];
  for await (const item of readManifest(path)) {
    if ('error' in item) throw new Error(`manifest ${path}: ${item.error.message}`);
    clips.push(item.clip);
  }
  if (clips.length === 0) throw new Error(`manifest ${path}: no clips`);
  return clips;
}

const isHeldout = (c: ClipRow): boolean => c.split === 'heldout';

/** The raw dataset: every non-held-out clip's transcript (weight 1). Clips with an empty transcript have no text and are left out (counted). */
export function rawDataset(
  clips: readonly ClipRow[],
  source: string,
  name = 'raw',
): { dataset: DownstreamDataset; emptyText: number } {
  const usable = clips.filter((c) => !isHeldout(c));
  const rows = usable
    .filter((c) => c.asr_text.trim() !== '')
    .map((c) => ({ clip_id: c.clip_id, caption: c.asr_text, weight: 1 }));
  return { dataset: { name, rows, source }, emptyText: usable.length - rows.length };
}

/** Reads a truth sidecar (`truth.parquet`) into a map by clip id. */
export async function readTruthFile(path: string): Promise<Map<string, TruthRow>> {
  const truth = await readTruthMap(path);
  if (truth.size === 0) throw new Error(`truth ${path}: no rows`);
  return truth;
}

/** The truth caption of every non-held-out clip of the manifest (weight 1). */
function truthRows(clips: readonly ClipRow[], truth: ReadonlyMap<string, TruthRow>, source: string): DownstreamRow[] {
  const train = clips.filter((c) => !isHeldout(c));
  const lacking = train.filter((c) => !truth.has(c.clip_id)).map((c) => c.clip_id);
  if (lacking.length)
    throw new Error(
      `truth ${source}: no row for ${lacking.length} manifest clips (${lacking.slice(0, 3).join(', ')}${lacking.length > 3 ? ', …' : ''}); is it the truth of another dataset?`,
    );
  return train.map((c) => ({ clip_id: c.clip_id, caption: truth.get(c.clip_id)!.gt_caption, weight: 1 }));
}

/**
 * The upper bound: the truth of every non-held-out clip of the manifest (weight 1), in the wording the
 * held-out queries use — the truth captions (`canonical`), the narrated bound's rows (`narrated`), or
 * for `both` half the clips each way (by a hash of the clip id; a dataset holds a clip once), so the
 * bound is not beaten on wording alone.
 */
export function upperBoundDataset(
  clips: readonly ClipRow[],
  truth: ReadonlyMap<string, TruthRow>,
  source: string,
  name = 'upper-bound',
  wording: QueryWording = 'canonical',
): DownstreamDataset {
  const canonical = truthRows(clips, truth, source);
  if (wording === 'canonical') return { name, rows: canonical, source };
  const narrated = narratedBoundDataset(clips, truth, source).rows;
  if (wording === 'narrated') return { name, rows: narrated, source };
  return { name, rows: canonical.map((r, i) => (hash32(r.clip_id) % 2 ? narrated[i] : r)), source };
}

/**
 * The narrated bound: the truth in the people's words, i.e. what a perfect refinement that keeps the
 * narration would export. Each non-held-out clip's transcript where the truth says it is clean, the
 * others narrated from their truth in the benchmark's narration style (seeded by clip). Beside the
 * canonical truth captions it shows what the wording alone is worth to the probe.
 */
export function narratedBoundDataset(
  clips: readonly ClipRow[],
  truth: ReadonlyMap<string, TruthRow>,
  source: string,
  name = 'narrated-bound',
): DownstreamDataset {
  const byId = new Map(clips.map((c) => [c.clip_id, c]));
  return {
    name,
    rows: truthRows(clips, truth, source).map((r) => {
      const t = truth.get(r.clip_id)!;
      const transcript = byId.get(r.clip_id)!.asr_text;
      const caption =
        !t.corrupted && transcript.trim() !== ''
          ? transcript
          : narrate(truthAttrs(t), makeRng(0, 'perfect-narration', hash32(r.clip_id)));
      return { ...r, caption };
    }),
    source,
  };
}

/**
 * A copy of `d` (a bound: every row the truth of its clip) with `fraction` of its rows made wrong: a
 * seeded choice of rows, each said again with 1–2 attributes of its clip's truth replaced, in the
 * row's own wording (a truth caption stays a caption, a narration becomes a narration). Beside the
 * bound it shows how far the probe moves per point of wrong rows — its resolution.
 */
export function withWrongRows(
  d: DownstreamDataset,
  truth: ReadonlyMap<string, TruthRow>,
  fraction: number,
  name = `${d.name}-wrong-${fraction}`,
): DownstreamDataset {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`wrong rows: a fraction in (0, 1], got ${fraction}`);
  const order = shuffled(
    d.rows.map((_, i) => i),
    mulberry32(hash32(`${d.name}:wrong-rows`)),
  );
  const wrong = new Set(order.slice(0, Math.round(fraction * d.rows.length)));
  return {
    ...d,
    name,
    rows: d.rows.map((r, i) => {
      if (!wrong.has(i)) return r;
      const t = truth.get(r.clip_id);
      if (!t) throw new Error(`wrong rows: no truth for clip ${r.clip_id}`);
      const attrs = corruptAttributes(truthAttrs(t), makeRng(0, 'wrong-row', hash32(r.clip_id)));
      const caption =
        r.caption === t.gt_caption
          ? renderCaption(attrs)
          : narrate(attrs, makeRng(0, 'wrong-narration', hash32(r.clip_id)));
      return { ...r, caption };
    }),
  };
}

/** The held-out clips (manifest split = 'heldout') with their truth caption and attributes. */
export function heldoutSet(
  clips: readonly ClipRow[],
  truth: ReadonlyMap<string, TruthRow>,
  truthSource: string,
): HeldoutClip[] {
  const held = clips.filter(isHeldout);
  const lacking = held.filter((c) => !truth.has(c.clip_id)).map((c) => c.clip_id);
  if (lacking.length)
    throw new Error(
      `truth ${truthSource}: no row for ${lacking.length} held-out clips (${lacking.slice(0, 3).join(', ')}${lacking.length > 3 ? ', …' : ''})`,
    );
  return held.map((c) => {
    const t = truth.get(c.clip_id)!;
    let attrs: CaptionAttrs;
    try {
      attrs = JSON.parse(t.attrs_json) as CaptionAttrs;
    } catch (e) {
      throw new Error(
        `truth ${truthSource}: clip ${c.clip_id} has attrs_json that is not JSON (${(e as Error).message})`,
        { cause: e },
      );
    }
    return { clip_id: c.clip_id, truthCaption: t.gt_caption, attrs };
  });
}
