/**
 * The nightly experiment end to end at a tiny size: one refine job, then each variant's nights on
 * a copy of it. Each night takes exactly the clips that arrived that night; only the retraining
 * variant trains models; a night's kept-rows figure agrees with its export's Parquet read beside the
 * truth; `tick-exp --from` prints a written report and refuses other JSON; a rerun over the same directory resumes and reproduces the report; and a cut-short copy is made again.
 */
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTruthMap } from '../../../jobs/refine/truth-file.js';
import { readParquetRows } from '../../../pipeline/parquet-file.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import type { ClipRow } from '../../../schemas/clips.js';
import type { RefinedRow } from '../../../schemas/refined.js';
import { TRUTH_FILE } from '../../../schemas/truth.js';
import { contentCorrect } from '../../../research/benchmark/content.js';
import { truthAttrs } from '../../../research/benchmark/truth.js';
import {
  DEFAULT_VARIANTS,
  runTickExperiment,
  type TickExperimentReport,
  type TickExperimentSettings,
} from '../../../research/tick-experiment/experiment.js';
import type { TickPoint } from '../../../research/tick-experiment/measure.js';
import { formatTickExperiment } from '../../../research/tick-experiment/table.js';
import { replayChoice } from '../../../research/refine-experiment/choice-replay.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';
import { tinyLoop } from '../tiny-loop.js';

const log = pino({ level: 'silent' });
const run = (s: TickExperimentSettings): Promise<TickExperimentReport> =>
  runTickExperiment(s, { log, reporter: () => new JsonReporter(log) });

describe('runTickExperiment', () => {
  let settings: TickExperimentSettings;
  let first: TickExperimentReport;
  const data = (): string => join(settings.dir, 'data-n40-s3');

  beforeAll(async () => {
    settings = {
      ...tinyLoop(await tempDir('flywheel-tick-exp-'), 1),
      tickClips: 12,
      ticks: 2,
      variants: DEFAULT_VARIANTS,
    };
    first = await run(settings);
  }, 600_000);

  it("takes each night's clips exactly once, on a copy of the refine job per variant", async () => {
    expect(first.runs.map((r) => r.variant)).toEqual(DEFAULT_VARIANTS.map((v) => v.name));
    const truth = await readTruthMap(join(data(), TRUTH_FILE));
    const clips = await readParquetRows<ClipRow>(join(data(), 'clips.parquet'));
    const trainOf = (from: number, to: number): number =>
      clips.slice(from, to).filter((c) => truth.get(c.clip_id)?.split === 'train').length;
    for (const r of first.runs) {
      expect(r.ticks.map((p) => p.trainClips)).toEqual([trainOf(48, 60), trainOf(60, 72)]);
      expect(r.refineFinal).toBeGreaterThan(0);
      for (const p of r.ticks)
        for (const v of [p.raw, p.captioner, p.exported, p.keptShare]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
    }
    const [retrain, frozen] = first.runs;
    expect(retrain.ticks.map((p) => p.retrained)).toEqual([true, true]);
    expect(frozen.ticks.map((p) => p.retrained)).toEqual([false, false]);
    // each night's time as its tick recorded it, the retraining's share apart
    for (const p of [...retrain.ticks, ...frozen.ticks]) expect(p.seconds).toBeGreaterThan(0);
    for (const p of retrain.ticks) expect(p.trainSeconds).toBeGreaterThan(0);
    for (const p of frozen.ticks) expect(p.trainSeconds).toBe(0);
    // the first night is captioned and judged by the same refine job's models in both variants
    const same = ({ retrained: _r, seconds: _s, trainSeconds: _t, ...rest }: TickPoint) => rest;
    expect(same(retrain.ticks[0])).toEqual(same(frozen.ticks[0]));
    expect(existsSync(join(settings.dir, 'job-n40-s3-retrain', 'models', 'tick-00000'))).toBe(true);
    expect(existsSync(join(settings.dir, 'job-n40-s3-no-retrain', 'models', 'tick-00000'))).toBe(false);
    // the refine job itself is left as it was: no tick ran in it
    expect(existsSync(join(settings.dir, 'job-n40-s3', 'schedule'))).toBe(false);
  });

  it("a night's kept-rows figure is its export's train rows read beside the truth", async () => {
    const truth = await readTruthMap(join(data(), TRUTH_FILE));
    for (const r of first.runs) {
      const dir = join(settings.dir, `job-n40-s3-${r.variant}`, 'exports', 'tick-00001');
      const rows = (await readParquetRows<RefinedRow>(join(dir, 'part-00000.parquet'))).filter(
        (x) => truth.get(x.clip_id)?.split === 'train',
      );
      const right = rows.filter((x) => contentCorrect(x.caption, truthAttrs(truth.get(x.clip_id)!))).length;
      expect(rows.length).toBeGreaterThan(0);
      expect(r.ticks[1].exported).toBeCloseTo(right / rows.length, 10);
      expect(r.ticks[1].keptShare).toBeCloseTo(rows.length / r.ticks[1].trainClips, 10);
    }
  });

  it('choice-replay --tick replays a night with its own frames and the judges of the round it followed', async () => {
    const job = join(settings.dir, `job-n40-s3-${first.runs[0].variant}`);
    const replays = await replayChoice({ jobDir: job, rounds: [], ticks: [0, 1], change: { title_margin: 2 } });
    // the job's rule, replayed, decides every clip of each night as the tick did, over the night's train clips
    expect(replays.map((r) => [r.tick, r.round, r.mismatches, r.jobRule.clips])).toEqual([
      [0, 0, 0, first.runs[0].ticks[0].trainClips],
      [1, 0, 0, first.runs[0].ticks[1].trainClips],
    ]);
    expect(replays[1].jobRule.contentAccuracy).toBeCloseTo(first.runs[0].ticks[1].exported, 10);
    await expect(replayChoice({ jobDir: job, rounds: [], ticks: [5], change: {} })).rejects.toThrow(
      `${job}: tick 5 did not finish`,
    );
  }, 120_000);

  it('prints one line per night and variant, and a dash for a time a report made before ticks recorded it', () => {
    const table = formatTickExperiment(first);
    expect(table).toContain('refine on 48 clips, 1 rounds, then 2 nights of 12');
    for (const t of [0, 1]) for (const v of ['retrain', 'no-retrain']) expect(table).toMatch(`| ${t} | ${v} | `);
    const untimed = first.runs.map((r) => ({
      ...r,
      ticks: r.ticks.map((p) => ({ ...p, seconds: Number.NaN, trainSeconds: Number.NaN })),
    }));
    expect(formatTickExperiment({ ...first, runs: untimed })).toMatch(/\| 1 \| no-retrain \| .* \| – \| – \|$/m);
    // merged with a report that timed its ticks, the times are that report's, and the table says so
    const mixed = formatTickExperiment({ ...first, runs: [...first.runs, ...untimed.map((r) => ({ ...r, seed: 4 }))] });
    expect(mixed).toContain('The times are those of seeds 3: the other reports did not record them.');
    expect(mixed).not.toMatch(/\| – \| – \|$/m);
  });

  it('tick-exp --from prints the tables of written reports, merged, and refuses other JSON naming the file', async () => {
    const good = join(settings.dir, 'report.json');
    await writeFile(good, JSON.stringify(first));
    const ok = await runCli(['tick-exp', '--from', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toBe(formatTickExperiment(first).trim());
    // two reports merge into one table: each night's line over both reports' runs
    const twice = await runCli(['tick-exp', '--from', `${good},${good}`]);
    expect(twice.stdout.trim()).toBe(formatTickExperiment({ ...first, runs: [...first.runs, ...first.runs] }).trim());
    const bad = join(settings.dir, 'refine-report.json');
    await writeFile(bad, '{"kind": "flywheel-refine-experiment/1", "runs": []}');
    const no = await runCli(['tick-exp', '--from', bad]);
    expect(no.code).not.toBe(0);
    expect(no.stderr).toContain(`${bad}: not a tick-exp report`);
  });

  it('rerun over the same directory, it resumes: the same report', async () => {
    expect(await run(settings)).toEqual(first);
  }, 600_000);

  it("a variant's copy of the refine job that was cut short is made again, and its nights rerun", async () => {
    const job = join(settings.dir, 'job-n40-s3-no-retrain');
    // as if the copy had been killed before it finished: no marker, and a stray file in it
    await rm(join(job, '.copied-from-refine'));
    await writeFile(join(job, 'stray'), 'half a copy');
    const again = await run(settings);
    expect(existsSync(join(job, 'stray'))).toBe(false);
    expect(existsSync(join(job, '.copied-from-refine'))).toBe(true);
    // the same nights, measured again (only their times differ)
    const untimed = (r: TickExperimentReport) =>
      r.runs.map((x) => ({ ...x, ticks: x.ticks.map(({ seconds: _s, trainSeconds: _t, ...p }) => p) }));
    expect(untimed(again)).toEqual(untimed(first));
  }, 600_000);
});
