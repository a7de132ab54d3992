/**
 * Gathers what the report page shows from a refine job directory: round metrics, sample clips with
 * thumbnails and their caption history, and every errors table, then writes `report.html`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { rankedSubset } from '../../models/rng.js';
import { writeFileAtomic } from '../../pipeline/atomic-write.js';
import { layout } from '../../pipeline/layout.js';
import { readRunMeta, runProgress } from '../../pipeline/ledger.js';
import { readStoredRows } from '../../pipeline/parquet.js';
import { compareClipIds, readRunErrors } from '../../pipeline/run-errors.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { renderReportHtml } from '../../report/render-html.js';
import type {
  DownstreamPoint,
  ErrorSummary,
  ReportData,
  RoundMetrics,
  SampleClip,
  TrinityPoint,
} from '../../report/report-data.js';
import type { ClipRow } from '../../schemas/clips.js';
import type { ScoreRow } from '../../schemas/scores.js';
import { readTruthMap } from '../refine/truth-file.js';
import { choiceNote } from './choice-note.js';
import { FrameStore } from '../../stages/attach-frames/frame-store.js';
import { finishedRounds } from '../refine/job-files.js';
import { jobLayout } from '../refine/layout.js';
import type { Trinity } from '../refine/dataset-metrics.js';
import type { RoundRecord } from '../refine/round-metrics.js';
import { tickSummaries } from './tick-summaries.js';

/** A trinity as the page draws it. */
export function toTrinityPoint(t: Trinity): TrinityPoint {
  return {
    rows: t.quantity.rows,
    tokens: t.quantity.tokens,
    vocabulary: t.diversity.vocabulary,
    distinct1: t.diversity.distinct1,
    distinct2: t.diversity.distinct2,
    entropy: t.diversity.entropy,
    ...(t.quality
      ? { contentAccuracy: t.quality.contentAccuracy, ciderD: t.quality.ciderD, bleu4: t.quality.bleu4 }
      : {}),
  };
}

/** Round metrics as the page draws them. */
export function toRoundMetrics(r: RoundRecord): RoundMetrics {
  const q = r.modelQuality;
  return {
    round: r.round,
    modelVersion: r.modelVersion.slice(0, 12),
    dataset: toTrinityPoint(r.dataset),
    bySource: Object.fromEntries(Object.entries(r.dataset.bySource).map(([k, v]) => [k, toTrinityPoint(v)])),
    keptShare: r.keptShare,
    ...(r.keptClean
      ? {
          keptClean: {
            rows: r.keptClean.rows,
            verbatim: r.keptClean.verbatim,
            distinct2: r.keptClean.diversity.distinct2,
            transcriptsDistinct2: r.keptClean.transcripts.distinct2,
          },
        }
      : {}),
    adatailr: {
      rows: r.adatailr.rows,
      dropped: r.adatailr.dropped,
      reweighted: r.adatailr.reweighted,
      gamma: r.adatailr.gamma,
      rho: r.adatailr.rho,
    },
    ...(q
      ? {
          model: {
            ciderD: q.ciderD,
            bleu4: q.bleu4,
            ...(q.attributes ? { attributeAccuracy: q.attributes.mean } : {}),
          },
        }
      : {}),
    ...(heldoutRowsPoint(r) ? { heldoutRows: heldoutRowsPoint(r) } : {}),
    ...(downstreamPoint(r, `round-${r.round}`) ? { downstream: downstreamPoint(r, `round-${r.round}`) } : {}),
    lossCurve: r.pretrain.lossCurve,
    seconds: r.seconds.captionAndScore + r.seconds.train + r.seconds.eval,
  };
}

/** The round's own choice for the held-out clips, beside their raw text, when it was scored against anything. */
function heldoutRowsPoint(r: RoundRecord): RoundMetrics['heldoutRows'] {
  const h = r.heldoutRows;
  if (!h?.chosen || !h.rawAsr) return undefined;
  return {
    clips: h.clips,
    kept: h.kept,
    against: h.chosen.against ?? 'truth',
    ciderD: h.chosen.ciderD,
    rawCiderD: h.rawAsr.ciderD,
    ...(h.content ? { contentAccuracy: h.content.chosen, rawContentAccuracy: h.content.rawAsr } : {}),
  };
}

/** The probe's scores for one dataset of a round's downstream check, if it ran. */
function downstreamPoint(r: RoundRecord | undefined, name: string): DownstreamPoint | undefined {
  const d = r?.downstream?.datasets.find((x) => x.name === name);
  return d ? { t2vR1: d.mean.t2v_r1, t2vR1Sd: d.sd.t2v_r1, meanR: d.mean.mean_r, qa: d.mean.qa_all } : undefined;
}

/**
 * Counts of every errors table under a run directory, by stage and kind, with a few examples: the
 * first clips by id, and kinds of equal count in the order of their first clip. So the same errors
 * give the same summary however the stage's concurrent work ordered its error rows.
 */
export async function errorSummaries(runDir: string): Promise<ErrorSummary[]> {
  const groups = new Map<string, ErrorSummary>();
  const rows = (await readRunErrors(new LocalStorage(runDir))).sort((a, b) => compareClipIds(a.clip_id, b.clip_id));
  for (const e of rows) {
    const id = `${e.stage}\u0000${e.error_kind}`;
    const g = groups.get(id) ?? { stage: e.stage, kind: e.error_kind, count: 0, examples: [] };
    g.count++;
    if (g.examples.length < 3) g.examples.push({ clipId: e.clip_id, message: e.message });
    groups.set(id, g);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** Builds the report data of a refine job directory. */
export async function buildReportData(
  jobDir: string,
  opts: { samples?: number; seed?: number } = {},
): Promise<ReportData> {
  const l = jobLayout(jobDir);
  if (!existsSync(l.jobMeta)) throw new Error(`report: ${jobDir} is not a refine job directory (no job.json)`);
  const job = JSON.parse(await readFile(l.jobMeta, 'utf8')) as {
    config_hash: string;
    created_at: string;
    config: { truth?: string; seed?: number };
  };
  const records = await finishedRounds(l);
  const truth = job.config.truth && existsSync(job.config.truth) ? await readTruthMap(job.config.truth) : undefined;
  const first = records[0];
  const baselines = {
    ...(first ? { raw: toTrinityPoint(first.raw) } : {}),
    ...(first?.rawClean ? { rawClean: toTrinityPoint(first.rawClean) } : {}),
    ...(first?.rawAsrQuality
      ? { rawAsrCiderD: first.rawAsrQuality.ciderD, modelAgainst: first.rawAsrQuality.against ?? ('truth' as const) }
      : {}),
    ...(downstreamPoint(first, 'raw') ? { downstreamRaw: downstreamPoint(first, 'raw') } : {}),
    ...(downstreamPoint(first, 'upper-bound') ? { downstreamUpper: downstreamPoint(first, 'upper-bound') } : {}),
  };

  // sample clips: a seeded pick of training clips, shown with every round's caption
  const samples: SampleClip[] = [];
  const round0 = new LocalStorage(l.roundRun(0));
  const meta0 = await readRunMeta(round0);
  if (meta0 && meta0.shards.length > 0) {
    const firstShard = meta0.shards[0];
    const clips = (await readStoredRows<ClipRow>(round0, layout.input(firstShard))).filter(
      (c) => c.split !== 'heldout',
    );
    const pick = rankedSubset(opts.seed ?? job.config.seed ?? 0, 'report-samples', clips.length, opts.samples ?? 6);
    const chosen = clips.filter((_, i) => pick.has(i));
    // a job whose frames are gone from disk, or being extracted again, still gets its report, without thumbnails
    const frames = await runProgress(new LocalStorage(l.framesRun));
    const store =
      frames && frames.done === frames.shards ? new FrameStore({ storage: new LocalStorage(l.framesRun) }) : undefined;
    await store?.open();
    const history = new Map<string, SampleClip['captions']>();
    for (const r of records) {
      const run = new LocalStorage(l.roundRun(r.round));
      const scores = new Map(
        (await readStoredRows<ScoreRow>(run, layout.output('adatailr', firstShard))).map((s) => [s.clip_id, s]),
      );
      for (const c of chosen) {
        const s = scores.get(c.clip_id);
        if (!s) continue;
        const list = history.get(c.clip_id) ?? [];
        list.push({
          round: r.round,
          caption: `${s.caption} ${choiceNote(s.caption_source, s.margin, s.runner_up)}`,
          weight: s.mean_token_weight,
          keep: s.keep,
        });
        history.set(c.clip_id, list);
      }
    }
    for (const c of chosen) {
      const f = await store?.get(c.clip_id);
      const thumbs = [];
      if (f) {
        const size = f.width * f.height * 3;
        for (let i = 0; i < f.count; i++)
          thumbs.push({ width: f.width, height: f.height, pixels: f.pixels.subarray(i * size, (i + 1) * size) });
      }
      const gt = truth?.get(c.clip_id)?.gt_caption;
      samples.push({
        clipId: c.clip_id,
        thumbnails: thumbs,
        asrText: c.asr_text,
        ...(gt !== undefined ? { groundTruth: gt } : {}),
        captions: history.get(c.clip_id) ?? [],
      });
    }
  }

  const errors: ErrorSummary[] = [];
  for (const dir of [l.framesRun, l.bootstrapRun, ...records.map((r) => l.roundRun(r.round))]) {
    if (existsSync(dir)) errors.push(...(await errorSummaries(dir)));
  }
  const merged = new Map<string, ErrorSummary>();
  for (const e of errors) {
    const id = `${e.stage}\u0000${e.kind}`;
    const m = merged.get(id);
    if (!m) merged.set(id, { ...e, examples: [...e.examples] });
    else {
      m.count += e.count;
      for (const x of e.examples)
        if (m.examples.length < 3 && !m.examples.some((y) => y.clipId === x.clipId)) m.examples.push(x);
    }
  }
  return {
    title: 'flywheel refinement report',
    runId: jobDir,
    createdAt: job.created_at,
    configHash: job.config_hash.slice(0, 16),
    rounds: records.map(toRoundMetrics),
    ...baselines,
    samples,
    errors: [...merged.values()],
    ticks: await tickSummaries(jobDir),
  };
}

/** Writes `report.html` for a job directory (or to `out`); returns the path. */
export async function writeReport(jobDir: string, out?: string): Promise<string> {
  const path = out ?? jobLayout(jobDir).report;
  const html = renderReportHtml(await buildReportData(jobDir));
  await writeFileAtomic(path, html);
  return path;
}
