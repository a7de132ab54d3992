/**
 * The refine experiment end to end at a tiny size: both loops run on the same generated data, each
 * round's dataset figures land beside raw and the clean raw rows, and rerunning over the same
 * directory resumes the finished loops and reproduces the report exactly, their time included.
 * Every judge of the demo's configuration starts from the embedded pre-trained judge.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_METHODS,
  type RefineExperimentReport,
  type RefineExperimentSettings,
  runRefineExperiment,
} from '../../../research/refine-experiment/experiment.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import { DEMO_JUDGE_DIR } from '../../../jobs/demo/demo-config.js';
import { jobLayout } from '../../../jobs/refine/layout.js';
import { readJudge, type JudgeManifest } from '../../../models/probe/judge.js';
import { tempDir } from '../../helpers/tmp.js';
import { tinyLoop } from '../tiny-loop.js';

const log = pino({ level: 'silent' });
const run = (s: RefineExperimentSettings): Promise<RefineExperimentReport> =>
  runRefineExperiment(s, { log, reporter: () => new JsonReporter(log) });

describe('runRefineExperiment', () => {
  let settings: RefineExperimentSettings;
  let first: RefineExperimentReport;

  beforeAll(async () => {
    settings = { ...tinyLoop(await tempDir('flywheel-refine-exp-'), 2), methods: DEFAULT_METHODS };
    first = await run(settings);
  }, 600_000);

  it('runs both loops on the same data, every round measured beside raw and the clean raw rows', () => {
    expect(first.runs.map((r) => r.method)).toEqual(DEFAULT_METHODS.map((m) => m.name));
    const [a, m] = first.runs;
    expect(a.raw).toEqual(m.raw);
    for (const r of first.runs) {
      expect(r.rounds).toHaveLength(2);
      expect(r.raw.keptShare).toBe(1);
      expect(r.rawClean.keptShare).toBeGreaterThan(0.3);
      expect(r.rawClean.keptShare).toBeLessThan(0.9);
      // the clean raw rows are right by construction, the raw rows at 40 % noise are not
      expect(r.rawClean.contentAccuracy).toBeGreaterThan(r.raw.contentAccuracy);
      for (const p of r.rounds) {
        expect(p.contentAccuracy).toBeGreaterThanOrEqual(0);
        expect(p.contentAccuracy).toBeLessThanOrEqual(1);
        expect(p.keptShare).toBeGreaterThan(0);
        expect(p.keptShare).toBeLessThanOrEqual(1);
      }
      expect(r.finalWording?.perfectDistinct2).toBeGreaterThan(0);
      // each round's choice for the held-out clips, against the truth, beside their raw transcripts
      expect(r.heldoutRows).toHaveLength(2);
      for (const h of r.heldoutRows ?? []) {
        expect(h.chosen).toBeGreaterThanOrEqual(0);
        expect(h.chosen).toBeLessThanOrEqual(1);
      }
      expect(r.heldoutRows?.[0].rawAsr).toBeLessThan(r.rawClean.contentAccuracy);
      // where its bigrams come from: every kept row in one group, named by source and transcript
      const sources = r.finalWording?.bigramSources ?? [];
      expect(sources.length).toBeGreaterThan(0);
      for (const g of sources) expect(g.group).toMatch(/^[a-z-]+, (clean|noisy) transcript$/);
      // the final export's rows that kept a title's tagline: a count of them, at most every kept row
      const kept = sources.reduce((n, g) => n + g.rows, 0);
      expect(Number.isInteger(r.finalWording?.taglineRows)).toBe(true);
      expect(r.finalWording?.taglineRows).toBeGreaterThanOrEqual(0);
      expect(r.finalWording?.taglineRows).toBeLessThanOrEqual(kept);
      expect(r.seconds).toBeGreaterThan(0);
    }
    // the ablation keeps every clip
    expect(m.rounds.at(-1)!.keptShare).toBe(1);
  });

  it("starts every round's judges from the embedded judge, and records it", () => {
    const pre = readJudge(DEMO_JUDGE_DIR).manifest.contentHash;
    for (const method of ['adatailr', 'mle+keep-all'])
      for (const k of [0, 1]) {
        const dir = jobLayout(join(settings.dir, `job-n40-s3-${method}`)).judge(k, 0);
        const m = JSON.parse(readFileSync(join(dir, 'judge.json'), 'utf8')) as JudgeManifest;
        expect(m.metrics.started_from, `${method} round ${k}`).toBe(pre);
        expect(m.contentHash).not.toBe(pre); // and trained on from there
      }
  });

  it('rerun over the same directory, it resumes the finished loops: the same report, their time included', async () => {
    expect(await run(settings)).toEqual(first);
  }, 600_000);
});
