/**
 * Reads what {@link auditChoices} needs from a finished refine round on disk: the round's candidates
 * (`caption/`), the judge's evidence and the kept candidate (`adatailr/`), and the truth sidecar
 * (measuring only) named by the job's config or given explicitly.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jobLayout } from '../../jobs/refine/layout.js';
import { readParquetRows } from '../../pipeline/parquet-file.js';
import type { CaptionRow } from '../../schemas/captions.js';
import type { ScoreRow } from '../../schemas/scores.js';
import { readTruthMap } from '../../jobs/refine/truth-file.js';
import { hash32, makeRng } from '../../models/rng.js';
import { narrate } from '../benchmark/asr.js';
import { contentCorrect } from '../benchmark/content.js';
import { truthAttrs } from '../benchmark/truth.js';
import type { AuditClip } from './choice-audit.js';

/** A round's stored outputs of one stage, shard by shard in shard order (a shard is one call of the stage). */
export async function* stageShards<T>(runDir: string, stage: string): AsyncGenerator<T[]> {
  const dir = join(runDir, stage);
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.parquet')).sort();
  } catch (e) {
    throw new Error(`${dir}: cannot list the ${stage} outputs (is the round finished?)`, { cause: e });
  }
  for (const f of files) yield await readParquetRows<T>(join(dir, f));
}

async function stageRows<T>(runDir: string, stage: string): Promise<T[]> {
  const rows: T[] = [];
  for await (const shard of stageShards<T>(runDir, stage)) rows.push(...shard);
  return rows;
}

/** The truth table a job was configured with (`truth` in its job.json), or null. */
async function configuredTruth(jobDir: string): Promise<string | null> {
  const meta = JSON.parse(await readFile(jobLayout(jobDir).jobMeta, 'utf8')) as { config?: { truth?: unknown } };
  return typeof meta.config?.truth === 'string' ? meta.config.truth : null;
}

/** One round's audit input, read once: the train clips to audit and the wording check's sets. */
export interface AuditRound {
  readonly clips: AuditClip[];
  /** The kept train captions. */
  readonly kept: string[];
  /** Each kept caption's source and whether its clip's transcript is clean ("asr, clean transcript"). */
  readonly keptGroups: string[];
  /** The train clips' transcripts the truth says are clean. */
  readonly clean: string[];
  /**
   * A perfect export of the same train clips, as a reference for diversity: each clean transcript as it
   * is, each corrupted one replaced by the generator's narration of the clip's truth (seeded by clip id).
   */
  readonly perfect: string[];
  /**
   * The kept clips whose transcript is clean: their kept captions, their transcripts, the kept caption's
   * source and whether it is right, in the same order.
   */
  readonly onCleanClips: {
    readonly kept: string[];
    readonly transcripts: string[];
    readonly sources: string[];
    readonly right: boolean[];
  };
}

/** Reads round `round` of the refine job in `jobDir`: its train clips ready to audit, and what the wording check compares. */
export async function loadAuditRound(jobDir: string, round: number, truthPath?: string): Promise<AuditRound> {
  const path = truthPath ?? (await configuredTruth(jobDir));
  if (!path) throw new Error(`${jobDir}: job.json names no truth table; pass one (--truth)`);
  const truth = await readTruthMap(path);
  const runDir = jobLayout(jobDir).roundRun(round);
  const captions = new Map((await stageRows<CaptionRow>(runDir, 'caption')).map((r) => [r.clip_id, r]));
  const clips: AuditClip[] = [];
  const kept: string[] = [];
  const keptGroups: string[] = [];
  const clean: string[] = [];
  const perfect: string[] = [];
  const onCleanClips = {
    kept: [] as string[],
    transcripts: [] as string[],
    sources: [] as string[],
    right: [] as boolean[],
  };
  for (const c of captions.values()) {
    const t = truth.get(c.clip_id);
    if (t?.split !== 'train') continue;
    const asr = c.candidate_sources.indexOf('asr');
    if (!t.corrupted && asr >= 0) clean.push(c.candidate_captions[asr]);
    perfect.push(
      !t.corrupted && asr >= 0
        ? c.candidate_captions[asr]
        : narrate(truthAttrs(t), makeRng(0, 'perfect-narration', hash32(t.clip_id))),
    );
  }
  for (const s of await stageRows<ScoreRow>(runDir, 'adatailr')) {
    const t = truth.get(s.clip_id);
    if (!t || t.split !== 'train') continue;
    const c = captions.get(s.clip_id);
    if (!c) throw new Error(`${runDir}: clip ${s.clip_id} has scores but no candidates`);
    const texts = [...c.candidate_captions];
    const sources = [...c.candidate_sources];
    const evidence = [...s.candidate_scores];
    const attrs = truthAttrs(t);
    const chosen = s.keep ? sources.indexOf(s.caption_source) : -1;
    if (s.keep && chosen < 0)
      throw new Error(`${runDir}: clip ${s.clip_id} kept a ${s.caption_source} it has no candidate of`);
    if (s.keep) {
      kept.push(s.caption);
      keptGroups.push(`${s.caption_source}, ${t.corrupted ? 'noisy' : 'clean'} transcript`);
    }
    const asr = sources.indexOf('asr');
    if (s.keep && !t.corrupted && asr >= 0) {
      onCleanClips.kept.push(s.caption);
      onCleanClips.transcripts.push(texts[asr]);
      onCleanClips.sources.push(s.caption_source);
      onCleanClips.right.push(contentCorrect(s.caption, attrs));
    }
    clips.push({
      candidates: sources.map((source, i) => ({
        source,
        evidence: evidence[i],
        right: contentCorrect(texts[i], attrs),
      })),
      chosen,
      noiseKinds: [...t.noise_kinds],
    });
  }
  return { clips, kept, keptGroups, clean, perfect, onCleanClips };
}

/** The train clips of round `round` of the refine job in `jobDir`, ready to audit. */
export async function loadAuditClips(jobDir: string, round: number, truthPath?: string): Promise<AuditClip[]> {
  return (await loadAuditRound(jobDir, round, truthPath)).clips;
}
