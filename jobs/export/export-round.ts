/**
 * `export`: the cleaned dataset of one refinement round as versioned Parquet — files of at most
 * `EXPORT_ROWS_PER_FILE` rows (`part-files.ts`) with lineage columns and key-value metadata, plus
 * `metadata.json` (schema version, config hash, per-round metrics, file hashes), the dropped clips
 * and the clips with errors. Written to a temp directory, fsynced and renamed, so a reader never
 * sees half an export, even after a crash; exporting the same round twice yields the same dataset id.
 */
import { createHash } from 'node:crypto';
import { type ChoiceRule, choiceRuleSchema } from '../../config/choice-rule.js';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { rowsToBatch } from '../../schemas/arrow.js';
import { writeDirAtomic } from '../../pipeline/atomic-write.js';
import { layout } from '../../pipeline/layout.js';
import { readRunMeta } from '../../pipeline/ledger.js';
import { parquetBytes, readStoredRows } from '../../pipeline/parquet.js';
import { LocalStorage, type Storage } from '../../pipeline/storage.js';
import { type CaptionRow, writerOf } from '../../schemas/captions.js';
import type { ClipRow } from '../../schemas/clips.js';
import { REFINED_COLUMNS, type RefinedRow, refinedSchema } from '../../schemas/refined.js';
import type { ScoreRow } from '../../schemas/scores.js';
import { type DroppedRow, droppedSchema, failedSchema } from '../../schemas/dropped.js';
import { finishedRoundNumbers } from '../refine/job-files.js';
import { jobLayout } from '../refine/layout.js';
import { CaptionOrigins, type CaptionOrigin, type EarlierRun } from './caption-origin.js';
import { datasetCard } from './dataset-card.js';
import { ERRORS_FILE, failedRows, readRoundErrors } from './export-errors.js';
import type { ExportMetadata } from './export-metadata.js';
import { PartFiles } from './part-files.js';
import type { RoundRecord } from '../refine/round-metrics.js';

/** The file listing the clips an export left out and why: in a folder of its own, so `*.parquet` over the export reads the data alone. */
export const DROPPED_FILE = 'dropped/clips.parquet';

/** Version tag of the exported table layout (bump on any column change). */
export const EXPORT_SCHEMA_VERSION = 'flywheel-refined/4';

/** The latest round with metrics in a job directory, or undefined when none finished. */
export async function latestRound(jobDir: string): Promise<number | undefined> {
  return (await finishedRoundNumbers(jobLayout(jobDir))).at(-1);
}

/** Exports round `round` (default: the latest finished) of a refine job to `outDir` (default `exports/round-<k>`). */
export async function exportRound(opts: {
  jobDir: string;
  round?: number;
  outDir?: string;
  /** At most this many rows a data file (default `EXPORT_ROWS_PER_FILE`). */
  rowsPerFile?: number;
}): Promise<{ dir: string; metadata: ExportMetadata }> {
  const l = jobLayout(opts.jobDir);
  const round = opts.round ?? (await latestRound(opts.jobDir));
  if (round === undefined)
    throw new Error(
      `export: ${opts.jobDir} has no finished round (metrics/round-<k>.json); run \`flywheel refine\` first`,
    );
  if (!existsSync(l.roundMetrics(round)))
    throw new Error(`export: round ${round} of ${opts.jobDir} did not finish (no ${l.roundMetrics(round)})`);
  const job = JSON.parse(await readFile(l.jobMeta, 'utf8')) as {
    config_hash: string;
    config?: { adatailr?: { choice?: unknown } };
  };
  const rule = choiceRuleSchema.safeParse(job.config?.adatailr?.choice);
  const rounds: RoundRecord[] = [];
  for (let k = 0; k <= round; k++)
    if (existsSync(l.roundMetrics(k)))
      rounds.push(JSON.parse(await readFile(l.roundMetrics(k), 'utf8')) as RoundRecord);
  return exportRun({
    run: new LocalStorage(l.roundRun(round)),
    frames: new LocalStorage(l.framesRun),
    earlier: Array.from({ length: round }, (_, i) => round - 1 - i).map((k) => ({
      round: k,
      run: new LocalStorage(l.roundRun(k)),
    })),
    round,
    configHash: job.config_hash,
    ...(rule.success ? { choiceRule: rule.data } : {}),
    rounds,
    outDir: opts.outDir ?? l.exportDir(round),
    ...(opts.rowsPerFile !== undefined ? { rowsPerFile: opts.rowsPerFile } : {}),
  });
}

/** What {@link exportRun} exports, and where. */
export interface ExportRunOptions {
  run: Storage;
  /** The frames run the round read its frames from, to name the cause of a clip that has none. */
  frames?: Storage;
  /** The earlier rounds' runs, nearest first, to follow carried-over captions back to their writer (none: they stay unknown). */
  earlier?: readonly EarlierRun[];
  round: number;
  /** The schedule tick this run is (then `round` is the job's last finished round before it, -1 when none); absent for a round. */
  tick?: number;
  configHash: string;
  /** The choice rule the run chose by, recorded in the metadata. */
  choiceRule?: ChoiceRule;
  rounds: RoundRecord[];
  outDir: string;
  /** At most this many rows a data file (default `EXPORT_ROWS_PER_FILE`), whatever the job's shard size. */
  rowsPerFile?: number;
}

/**
 * Exports the kept, non-held-out rows of one engine run holding `caption` and `adatailr` outputs
 * (a refine round or a schedule tick) to `outDir`, published whole (temp dir, fsync, rename).
 */
export async function exportRun(opts: ExportRunOptions): Promise<{ dir: string; metadata: ExportMetadata }> {
  const metadata = await writeDirAtomic(opts.outDir, (tmp) => writeExportFiles(opts, tmp), { replace: true });
  return { dir: opts.outDir, metadata };
}

/** The scores columns a row is exported from: candidate lists and token weights are left unread. */
const SCORE_COLUMNS = [
  'clip_id',
  'caption',
  'caption_source',
  'keep',
  'reason',
  'adatailr_weight',
  'margin',
  'runner_up',
] as const;
type ExportedScore = Pick<ScoreRow, (typeof SCORE_COLUMNS)[number]>;
/** The caption table's columns the export reads: which model wrote a clip's candidates, not the candidates. */
const CAPTION_COLUMNS = ['clip_id', 'model_version'] as const;
type CaptionVersion = Pick<CaptionRow, (typeof CAPTION_COLUMNS)[number]>;

/** Writes the export's Parquet parts and `metadata.json` into the empty directory `tmp`. */
async function writeExportFiles(opts: ExportRunOptions, tmp: string): Promise<ExportMetadata> {
  const { run, round, rounds } = opts;
  const tick = opts.tick ?? null;
  const meta = await readRunMeta(run);
  if (!meta) throw new Error(`export: ${run.description} has no run.json`);
  const job = { config_hash: opts.configHash };
  const bySource: Record<string, number> = {};
  const byOrigin: Record<string, number> = {};
  let rows = 0;
  const droppedRows: DroppedRow[] = [];
  let heldout = 0;
  const roundSummary = rounds.map((r) => ({
    round: r.round,
    model_version: r.modelVersion,
    rows: r.dataset.quantity.rows,
    kept_share: r.keptShare,
    content_accuracy: r.dataset.quality?.contentAccuracy ?? null,
    cider_d: r.dataset.quality?.ciderD ?? null,
    vocabulary: r.dataset.diversity.vocabulary,
    distinct2: r.dataset.diversity.distinct2,
    model_cider_d: r.modelQuality?.ciderD ?? null,
    // a job without truth scores its model against the held-out clips' human captions
    ...(r.modelQuality?.against ? { model_scored_against: `${r.modelQuality.against} captions` } : {}),
  }));
  const kv = {
    'flywheel.schema_version': EXPORT_SCHEMA_VERSION,
    'flywheel.round': String(round),
    ...(tick !== null ? { 'flywheel.tick': String(tick) } : {}),
    'flywheel.run_id': meta.run_id,
    'flywheel.config_hash': job.config_hash,
    'flywheel.rounds': JSON.stringify(roundSummary),
  };
  const origins = await CaptionOrigins.open(opts.earlier ?? []);
  const parts = new PartFiles(tmp, refinedSchema, kv, opts.rowsPerFile);
  const errors = await readRoundErrors(run, opts.frames);
  const errorClips = new Map<string, ClipRow>();
  try {
    for (const shard of meta.shards) {
      const clips = new Map((await readStoredRows<ClipRow>(run, layout.input(shard))).map((c) => [c.clip_id, c]));
      for (const [id, clip] of clips) if (errors.has(id)) errorClips.set(id, clip);
      const modelVersions = new Map(
        (await readStoredRows<CaptionVersion>(run, layout.output('caption', shard), CAPTION_COLUMNS)).map((c) => [
          c.clip_id,
          c.model_version,
        ]),
      );
      const scores = await readStoredRows<ExportedScore>(run, layout.output('adatailr', shard), SCORE_COLUMNS);
      const carried = await origins.forShard(shard, scores);
      const out: RefinedRow[] = [];
      for (const s of scores) {
        const clip = clips.get(s.clip_id);
        if (!clip) throw new Error(`export: ${s.clip_id} in ${shard} has a score but no clip row`);
        if (clip.split === 'heldout') {
          heldout++;
          continue;
        }
        if (!s.keep || s.caption.trim() === '') {
          droppedRows.push({
            clip_id: s.clip_id,
            video_uri: clip.video_uri,
            start_s: clip.start_s,
            end_s: clip.end_s,
            round,
            tick,
            caption: s.caption,
            caption_source: s.caption_source,
            reason: s.reason,
            quality_weight: s.adatailr_weight,
            asr_text: clip.asr_text,
          });
          continue;
        }
        const row: RefinedRow = {
          clip_id: s.clip_id,
          video_uri: clip.video_uri,
          start_s: clip.start_s,
          end_s: clip.end_s,
          caption: s.caption,
          caption_source: s.caption_source,
          choice_margin: s.margin,
          runner_up: s.runner_up,
          round,
          tick,
          ...lineage(s, round, modelVersions.get(s.clip_id) ?? 'text', carried.get(s.clip_id)),
          // a tick's row was chosen by the tick, not by a round (a tick carries nothing over)
          ...(tick !== null ? { origin_round: null } : {}),
          quality_weight: s.adatailr_weight,
          asr_text: clip.asr_text,
          run_id: meta.run_id,
          config_hash: job.config_hash,
        };
        out.push(row);
        bySource[s.caption_source] = (bySource[s.caption_source] ?? 0) + 1;
        byOrigin[originKey(row)] = (byOrigin[originKey(row)] ?? 0) + 1;
      }
      await parts.add(rowsToBatch(refinedSchema, out));
      rows += out.length;
    }
  } catch (e) {
    // a file left half-written is discarded with the temp directory
    parts.abort(e);
    throw e;
  }
  const files = await parts.close();
  const datasetId = createHash('sha256')
    .update(files.map((f) => `${f.name} ${f.content_sha256}`).join('\n'))
    .digest('hex');
  const metadata: ExportMetadata = {
    schema_version: EXPORT_SCHEMA_VERSION,
    dataset_id: datasetId,
    round,
    tick,
    run_id: meta.run_id,
    config_hash: job.config_hash,
    rows,
    dropped: droppedRows.length,
    dropped_file: DROPPED_FILE,
    errors: errors.size,
    errors_file: ERRORS_FILE,
    heldout_excluded: heldout,
    by_source: bySource,
    by_origin: byOrigin,
    files,
    rounds,
    ...(opts.choiceRule ? { choice_rule: opts.choiceRule } : {}),
    exported_at: new Date().toISOString(),
  };
  await mkdir(join(tmp, dirname(DROPPED_FILE)), { recursive: true });
  await writeFile(join(tmp, DROPPED_FILE), parquetBytes(droppedSchema, [rowsToBatch(droppedSchema, droppedRows)], kv));
  await mkdir(join(tmp, dirname(ERRORS_FILE)), { recursive: true });
  const failed = failedRows(errors, errorClips, round, tick);
  await writeFile(join(tmp, ERRORS_FILE), parquetBytes(failedSchema, [rowsToBatch(failedSchema, failed)], kv));
  await writeFile(join(tmp, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
  await writeFile(join(tmp, 'README.md'), datasetCard(metadata, refinedSchema, REFINED_COLUMNS));
  return metadata;
}

/** A row's writer and origin: its own round's, or for a carried-over caption the round that first chose it. */
function lineage(
  s: Pick<ScoreRow, 'caption_source'>,
  round: number,
  captionVersion: string,
  origin: CaptionOrigin | undefined,
): Pick<RefinedRow, 'model_version' | 'origin_source' | 'origin_round'> {
  if (origin) return { model_version: origin.modelVersion, origin_source: origin.source, origin_round: origin.round };
  const carried = s.caption_source === 'previous';
  return {
    model_version: writerOf(s.caption_source, captionVersion),
    origin_source: s.caption_source,
    origin_round: carried ? null : round,
  };
}

/** The `by_origin` key of a row: its origin source and round (`round ?` where unknown), or the tick that chose it. */
export function originKey(row: Pick<RefinedRow, 'origin_source' | 'origin_round' | 'tick'>): string {
  return row.tick !== null
    ? `${row.origin_source} tick ${row.tick}`
    : `${row.origin_source} round ${row.origin_round ?? '?'}`;
}
