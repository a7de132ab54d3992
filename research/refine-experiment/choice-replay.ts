/**
 * Replays a finished benchmark round's choice under another choice rule: the round's stored
 * candidates, its stored judges and the job's frames go through the adatailr stage's own `decide`,
 * once with the job's rule and once with the changed one, and the truth (measuring only) says how
 * many train clips each keeps and how many of those are right. The job's own rule must reproduce
 * the stored choices; the replay says so, clip by clip, before its numbers are believed.
 *
 * A rule with `weight_bonus` ranks by the candidates' AdaTaiLr weights the round stored, so it
 * replays only on a job that ran with one (the replay does not run the round's captioner).
 *
 * It replays the choice and `drop_implausible`, not the keep policy's weights (the default
 * `keep-all` drops nothing), and one round at a time: a different choice in round k would also
 * change round k + 1's candidates and judges, which only a new loop shows.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportMetadata } from '../../jobs/export/export-metadata.js';
import { scheduleLayout } from '../../jobs/schedule/tick-state.js';
import { parseRefineConfig } from '../../config/refine.js';
import { roundDrops } from '../../jobs/refine/folds.js';
import { jobLayout } from '../../jobs/refine/layout.js';
import { Device } from '../../models/device.js';
import { Judge } from '../../models/probe/judge.js';
import { LocalStorage } from '../../pipeline/storage.js';
import type { CaptionRow } from '../../schemas/captions.js';
import type { ScoreRow } from '../../schemas/scores.js';
import { readTruthMap } from '../../jobs/refine/truth-file.js';
import { FrameStore } from '../../stages/attach-frames/frame-store.js';
import type { ChoiceRule } from '../../config/choice-rule.js';
import { choiceRuleSchema, tickChoiceRule } from '../../config/choice-rule.js';
import { decide, type JudgedRow, rechoose, rowsToJudge } from '../../stages/adatailr/decide.js';
import { judgeFold } from '../../stages/model/folds.js';
import { diversity } from '../../metrics/diversity.js';
import { contentCorrect } from '../benchmark/content.js';
import { truthAttrs } from '../benchmark/truth.js';
import { stageShards } from './choice-audit-load.js';

/** What a rule did to one round's train clips. */
export interface ReplayOutcome {
  /** Train clips the round judged (human rows and clips without candidates excluded). */
  readonly clips: number;
  /** Share of them the rule keeps. */
  readonly kept: number;
  /** Share of the kept whose caption is content-right. */
  readonly contentAccuracy: number;
  /** Share of all of them kept and right (kept × accuracy). */
  readonly keptRight: number;
  /** Distinct words of the kept captions (diversity, as the dataset metrics count it). */
  readonly vocabulary: number;
  /** Distinct bigrams over all bigrams of the kept captions. */
  readonly distinct2: number;
}

/** One round replayed: the job's rule, the changed rule, and how far the job's own replay is from the stored run. */
export interface RoundReplay {
  /** The round replayed, or the round whose judges the tick chose with. */
  readonly round: number;
  /** The schedule tick replayed (absent: the round itself). */
  readonly tick?: number;
  readonly jobRule: ReplayOutcome;
  readonly newRule: ReplayOutcome;
  /** Train clips whose kept caption (or drop) the job's rule, replayed, decides otherwise than the stored run. */
  readonly mismatches: number;
  /** Train clips the changed rule decides otherwise than the job's. */
  readonly changed: number;
}

/** A clip as replayed: its frames, candidates and truth. */
interface ReplayClip extends JudgedRow {
  readonly clip_id: string;
  readonly right: boolean[] | null;
  readonly stored: string | null;
  /** The candidates' AdaTaiLr weights as the round stored them (empty when the job ran without `weight_bonus`). */
  readonly weights: readonly number[];
}

/** The job's refine config, from its job.json (whose config has no run dir or device: those are this machine's). */
async function jobConfig(jobDir: string): Promise<ReturnType<typeof parseRefineConfig>> {
  let text: string;
  try {
    text = await readFile(jobLayout(jobDir).jobMeta, 'utf8');
  } catch (e) {
    throw new Error(
      `${jobDir}: not a refine job (cannot read job.json: ${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      {
        cause: e,
      },
    );
  }
  const meta = JSON.parse(text) as { config?: unknown };
  if (meta.config === undefined) throw new Error(`${jobDir}: job.json has no config`);
  // job.json keeps the hashed part of the config: the run dir and the device are the replay's own
  return parseRefineConfig({ ...(meta.config as Record<string, unknown>), run_dir: jobDir });
}

/** One engine run to replay: a round's, or a tick's with the round whose judges it chose with. */
interface Pass {
  readonly round: number;
  readonly tick?: number;
  readonly runDir: string;
  readonly framesRun: string;
  /** The rule a tick's export says it chose by (the job's may lack a tick-only field it gained later). */
  readonly rule?: ChoiceRule;
}

/** Tick `n` of a job as a pass: its run and frames, and the round it followed (from its export). */
async function tickPass(jobDir: string, n: number): Promise<Pass> {
  const s = scheduleLayout(jobDir);
  const metaPath = join(s.tickExport(n), 'metadata.json');
  if (!existsSync(s.tickDone(n))) throw new Error(`${jobDir}: tick ${n} did not finish (no ${s.tickDone(n)})`);
  const meta = existsSync(metaPath) ? (JSON.parse(await readFile(metaPath, 'utf8')) as ExportMetadata) : undefined;
  if (meta?.tick !== n || meta.round < 0)
    throw new Error(
      `${jobDir}: tick ${n}'s export does not say which round's judges it chose with (export it again: flywheel export ${jobDir} --with-ticks)`,
    );
  return {
    round: meta.round,
    tick: n,
    runDir: s.tickRun(n),
    framesRun: s.tickFrames(n),
    ...(meta.choice_rule ? { rule: meta.choice_rule } : {}),
  };
}

const weighed = (rule: ChoiceRule): boolean => (rule.weight_bonus ?? 0) > 0;

/** A stored row's candidate weights; empty for a job stored before the scores table had the column. */
export function storedWeights(s: ScoreRow): number[] {
  const w = (s as Partial<ScoreRow>).candidate_weights;
  return w ? [...w] : [];
}

function outcome(decisions: readonly { kept: string | null; right: boolean }[]): ReplayOutcome {
  const kept = decisions.filter((d) => d.kept !== null);
  const right = kept.filter((d) => d.right).length;
  const n = decisions.length;
  const div = diversity(kept.map((d) => d.kept as string));
  return {
    clips: n,
    kept: n ? kept.length / n : 0,
    contentAccuracy: kept.length ? right / kept.length : 0,
    keptRight: n ? right / n : 0,
    vocabulary: div.vocabulary,
    distinct2: div.distinct2,
  };
}

/**
 * Replays rounds of the refine job in `jobDir` under its own choice rule and under that rule with
 * `change` applied. The truth is the job's configured table unless `truthPath` is given.
 */
export async function replayChoice(o: {
  readonly jobDir: string;
  readonly rounds: readonly number[];
  /** Schedule ticks to replay too: each with its own frames and the judges of the round it followed. */
  readonly ticks?: readonly number[];
  readonly change: Partial<ChoiceRule>;
  readonly truthPath?: string;
}): Promise<RoundReplay[]> {
  const config = await jobConfig(o.jobDir);
  const jobRule = config.adatailr.choice;
  const newRule = choiceRuleSchema.parse({ ...jobRule, ...o.change });
  if (weighed(newRule) && !weighed(jobRule))
    throw new Error(
      `${o.jobDir}: the job ran without weight_bonus, so its rounds stored no candidate weights to replay weight_bonus=${newRule.weight_bonus} with`,
    );
  const truthPath = o.truthPath ?? config.truth;
  if (!truthPath) throw new Error(`${o.jobDir}: job.json names no truth table; pass one (--truth)`);
  const truth = await readTruthMap(truthPath);
  const layout = jobLayout(o.jobDir);
  const passes: Pass[] = [
    ...o.rounds.map((round) => ({ round, runDir: layout.roundRun(round), framesRun: layout.framesRun })),
    ...(await Promise.all((o.ticks ?? []).map((n) => tickPass(o.jobDir, n)))),
  ];
  // one thread: the judges are small, and one thread is bit-reproducible
  const device = new Device({ providers: ['cpu'], intraOpThreads: 1 });
  const folds = config.folds;
  const members = config.judge.ensemble ?? 1;
  const out: RoundReplay[] = [];
  for (const { round, tick, runDir, framesRun, rule } of passes) {
    const frames = new FrameStore({ storage: new LocalStorage(framesRun), cacheShards: 4 });
    await frames.open();
    const stored = new Map<string, ScoreRow>();
    for await (const rows of stageShards<ScoreRow>(runDir, 'adatailr')) for (const s of rows) stored.set(s.clip_id, s);
    const judges: Judge[][] = [];
    for (let f = 0; f < folds; f++) {
      judges.push([]);
      for (let m = 0; m < members; m++) judges[f].push(await Judge.load(layout.judge(round, f, m), device));
    }
    // dropped as the round dropped: only when its judges could tell (`judgesMayDrop`)
    const drop = roundDrops(
      config.adatailr.drop_implausible,
      judges.flat().map((j) => j.manifest.metrics),
    );
    const decided = {
      job: [] as { kept: string | null; right: boolean }[],
      new: [] as { kept: string | null; right: boolean }[],
    };
    let mismatches = 0;
    let changed = 0;
    try {
      for await (const shard of stageShards<CaptionRow>(runDir, 'caption')) {
        const rows: ReplayClip[] = [];
        for (const c of shard) {
          const f = await frames.get(c.clip_id);
          if (!f) throw new Error(`${o.jobDir}: no stored frames for clip ${c.clip_id}`);
          const t = truth.get(c.clip_id);
          const s = stored.get(c.clip_id);
          rows.push({
            clip_id: c.clip_id,
            frames: f.pixels,
            candidate_captions: [...c.candidate_captions],
            candidate_sources: [...c.candidate_sources],
            right: t && t.split === 'train' ? c.candidate_captions.map((x) => contentCorrect(x, truthAttrs(t))) : null,
            stored: s ? (s.keep ? s.caption : null) : null,
            weights: s ? storedWeights(s) : [],
          });
        }
        // each rule's decision per train clip of the shard: the kept caption, or null when dropped
        const keptBy = async (rule: ChoiceRule): Promise<Map<number, { kept: string | null; right: boolean }>> => {
          const out = new Map<number, { kept: string | null; right: boolean }>();
          for (let f = 0; f < folds; f++) {
            const machine = rowsToJudge(rows, (id) => judgeFold(id, folds) === f);
            for (const [i, first] of await decide(judges[f], rows, machine, rule, new AbortController().signal)) {
              const truthRight = rows[i].right;
              if (!truthRight) continue;
              const d = weighed(rule) ? rechoose(first, rows[i].candidate_sources, rows[i].weights, rule) : first;
              const kept = d.plausible || !drop ? rows[i].candidate_captions[d.chosen] : null;
              out.set(i, { kept, right: kept !== null && truthRight[d.chosen] });
            }
          }
          return out;
        };
        // a tick chooses by the job's rule with its own title margin (`tickChoiceRule`)
        const base = rule ?? jobRule;
        const asRun = (r: ChoiceRule): ChoiceRule => (tick !== undefined ? tickChoiceRule(r) : r);
        const byJob = await keptBy(asRun(base));
        const byNew = await keptBy(asRun(rule ? choiceRuleSchema.parse({ ...rule, ...o.change }) : newRule));
        for (const [i, d] of byJob) {
          const n = byNew.get(i) as { kept: string | null; right: boolean };
          decided.job.push(d);
          decided.new.push(n);
          if (d.kept !== rows[i].stored) mismatches++;
          if (d.kept !== n.kept) changed++;
        }
      }
    } finally {
      for (const js of judges) for (const j of js) await j.release();
    }
    out.push({
      round,
      ...(tick !== undefined ? { tick } : {}),
      jobRule: outcome(decided.job),
      newRule: outcome(decided.new),
      mismatches,
      changed,
    });
  }
  return out;
}

/** The replay as lines a person reads: per round, the job's rule beside the changed one. */
export function formatChoiceReplay(replays: readonly RoundReplay[], change: Partial<ChoiceRule>): string {
  const f = (x: number): string => x.toFixed(3);
  const show = (o: ReplayOutcome): string =>
    `kept ${f(o.kept)}, content accuracy ${f(o.contentAccuracy)}, kept and right ${f(o.keptRight)}, vocabulary ${o.vocabulary}, distinct-2 ${f(o.distinct2)}`;
  const what = Object.entries(change)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  return replays
    .map((r) =>
      [
        `${r.tick !== undefined ? `tick ${r.tick} (judges of round ${r.round})` : `round ${r.round}`} (${r.jobRule.clips} train clips)`,
        `  job's rule:  ${show(r.jobRule)}`,
        `  ${what || '(no change)'}: ${show(r.newRule)}; ${r.changed} clips decided otherwise`,
        r.mismatches === 0
          ? "  the job's rule, replayed, decides every clip as the stored run did"
          : `  WARNING: the job's rule, replayed, decides ${r.mismatches} clips otherwise than the stored run (different judges or code?): do not trust this replay`,
        '',
      ].join('\n'),
    )
    .join('\n');
}
