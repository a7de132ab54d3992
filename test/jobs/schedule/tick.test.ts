/**
 * Scheduled ticks: each new clip is processed exactly once across ticks (its candidates stored in
 * the captions table), every tick exports, retraining writes one model (the judges are the folds) that the next tick
 * uses, a locked job is skipped, a job started under another config is refused, and a cron schedule runs ticks and rejects a bad expression.
 * A clip whose video failed is taken again once the file is replaced, even after the job's frames were deleted.
 */
import { existsSync } from 'node:fs';
import { copyFile, readdir, readFile, rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateBenchmark } from '../../../research/benchmark/generate.js';
import { readParquetRows } from '../../../pipeline/parquet-file.js';
import { parseRefineConfig, type RefineConfig } from '../../../config/refine.js';
import { startSchedule } from '../../../jobs/schedule/run-schedule.js';
import { runTick } from '../../../jobs/schedule/tick.js';
import { runRefine } from '../../../jobs/refine/run-refine.js';
import { exportRound } from '../../../jobs/export/export-round.js';
import { joinExports } from '../../../jobs/export/join-exports.js';
import { clipIdsOfRun, currentModels, retrainingParts, scheduleLayout } from '../../../jobs/schedule/tick-state.js';
import { TrainingSet, trainableExample } from '../../../jobs/refine/training-set.js';
import { checkJob } from '../../../jobs/refine/job-files.js';
import { jobLayout } from '../../../jobs/refine/layout.js';
import { createModel } from '../../../models/model.js';
import { CaptionTokenizer } from '../../../models/tokenizer.js';
import { loadVersion, saveVersion } from '../../../models/version.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import { isHeld, lockJob } from '../../../pipeline/job-lock.js';
import type { ExportMetadata } from '../../../jobs/export/export-metadata.js';
import type { CaptionRow } from '../../../schemas/captions.js';
import type { ClipRow } from '../../../schemas/clips.js';
import type { RefinedRow } from '../../../schemas/refined.js';
import { writeParquetManifest } from '../../helpers/manifests.js';
import { tempDir } from '../../helpers/tmp.js';
import { tinyRefineSettings } from '../../helpers/tiny-refine.js';

const quiet = pino({ level: 'silent' });
const reporter = () => new JsonReporter(quiet);

/** A logger that keeps the messages of its warnings. */
function warningLog(): { log: pino.Logger; warnings: string[] } {
  const warnings: string[] = [];
  const log = pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        warnings.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
        done();
      },
    }),
  );
  return { log, warnings };
}

describe('schedule ticks', () => {
  let dir: string;
  let clips: ClipRow[];
  let config: RefineConfig;
  const manifest = (): string => join(dir, 'manifest.parquet');

  beforeAll(async () => {
    dir = await tempDir('flywheel-schedule-');
    const data = join(dir, 'data');
    await generateBenchmark({ outDir: data, clips: 20, seed: 3, clipsPerVideo: 10 });
    clips = await readParquetRows<ClipRow>(join(data, 'clips.parquet'));
    // the "current model": a small untrained captioner version (ticks only need one to exist)
    const tok = CaptionTokenizer.train(
      clips.map((c) => c.asr_text),
      { vocabSize: 96 },
    );
    saveVersion(join(dir, 'model'), createModel('tiny', tok, 1), { trainingDataId: 'test' });
    config = parseRefineConfig({
      run_dir: join(dir, 'job'),
      manifest: manifest(),
      media_root: data,
      shard_size: 4,
      model: { init: join(dir, 'model') },
      caption: { model_batch: 8 },
      adatailr: { policy: { kind: 'keep-all' } },
    });
  });

  async function tickCaptions(n: number): Promise<string[]> {
    const s = scheduleLayout(config.run_dir);
    const out: string[] = [];
    const { readdir } = await import('node:fs/promises');
    for (const f of (await readdir(join(s.tickRun(n), 'caption'))).filter((x) => x.endsWith('.parquet'))) {
      const rows = await readParquetRows<CaptionRow>(join(s.tickRun(n), 'caption', f));
      for (const r of rows) {
        // the stored captions table holds each clip's candidates, sources aligned with captions
        expect(r.candidate_sources.length, r.clip_id).toBe(r.candidate_captions.length);
        expect(r.round).toBe(n);
      }
      out.push(...rows.map((r) => r.clip_id));
    }
    return out;
  }

  it('two ticks over a growing manifest process each clip exactly once; a third finds nothing new', async () => {
    // before any tick or refine round: model.init (one captioner; the judges are the cross-fitted models)
    expect(await currentModels(config)).toEqual([join(dir, 'model')]);
    await writeParquetManifest(manifest(), clips.slice(0, 12));
    const first = await runTick(config, { log: quiet, reporter });
    expect(first).toMatchObject({
      status: 'done',
      tick: 0,
      clips: 12,
      resumed: false,
      trainSeconds: 0,
      framesRestored: 0,
    });
    // its line says how long it took, for a nightly monitor
    if (first.status !== 'done') throw new Error('unreachable');
    expect(first.seconds).toBeGreaterThan(0);

    await writeParquetManifest(manifest(), clips); // 8 new rows arrive
    // with the whole dataset asked for: both ticks' rows in one export, named by the last tick (no round here)
    const second = await runTick(config, { log: quiet, reporter, wholeDataset: true });
    expect(second).toMatchObject({ status: 'done', tick: 1, clips: 8 });
    const whole = join(config.run_dir, 'exports', 'dataset-tick-00001');
    expect(second).toMatchObject({ dataset: whole });
    const wholeMeta = JSON.parse(await readFile(join(whole, 'metadata.json'), 'utf8')) as ExportMetadata;
    expect(wholeMeta.parts?.map((p) => p.export)).toEqual(['tick-00000', 'tick-00001']);
    expect(wholeMeta.rows).toBe(wholeMeta.parts!.reduce((n, p) => n + p.rows, 0));

    const seen = [...(await tickCaptions(0)), ...(await tickCaptions(1))].sort();
    expect(seen).toEqual(clips.map((c) => c.clip_id).sort());
    expect(new Set(seen).size).toBe(seen.length);

    expect(await runTick(config, { log: quiet, reporter })).toEqual({ status: 'no-new-clips' });
    // a night without new clips writes the whole dataset only where it is missing (a fixed folder here)
    const s = scheduleLayout(config.run_dir);
    const latest = join(dir, 'latest');
    await runTick(config, { log: quiet, reporter, wholeDataset: latest });
    const written = (JSON.parse(await readFile(join(latest, 'metadata.json'), 'utf8')) as ExportMetadata).exported_at;
    await runTick(config, { log: quiet, reporter, wholeDataset: latest });
    expect((JSON.parse(await readFile(join(latest, 'metadata.json'), 'utf8')) as ExportMetadata).exported_at).toBe(
      written,
    );
    // a folder holding an older night (the process died before writing the last one) is written again
    await joinExports({ parts: [s.tickExport(0)], outDir: latest });
    await runTick(config, { log: quiet, reporter, wholeDataset: latest });
    const fresh = JSON.parse(await readFile(join(latest, 'metadata.json'), 'utf8')) as ExportMetadata;
    expect(fresh.parts?.map((p) => p.export)).toEqual(['tick-00000', 'tick-00001']);
    // every tick exported its rows
    expect(existsSync(join(s.tickExport(0), 'metadata.json'))).toBe(true);
    expect(existsSync(join(s.tickExport(1), 'metadata.json'))).toBe(true);
    // a tick's rows say which tick added them; their round is the job's last before it (none here: -1),
    // so a tick's rows read beside a round's are never taken for that round's
    for (const n of [0, 1]) {
      const out = s.tickExport(n);
      const meta = JSON.parse(await readFile(join(out, 'metadata.json'), 'utf8')) as ExportMetadata;
      expect(meta).toMatchObject({ round: -1, tick: n });
      expect(Object.keys(meta.by_origin).every((k) => k.endsWith(` tick ${n}`))).toBe(true);
      const rows: RefinedRow[] = [];
      for (const f of meta.files) rows.push(...(await readParquetRows<RefinedRow>(join(out, f.name))));
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.tick === n && r.round === -1 && r.origin_round === null)).toBe(true);
      expect(await readFile(join(out, 'README.md'), 'utf8')).toContain(
        `# flywheel refined captions, tick ${n} (before any round)`,
      );
    }
  });

  it('with retrain every tick, a tick trains a new model version that the next tick captions with', async () => {
    const grown = [...clips, ...clips.slice(0, 4).map((c) => ({ ...c, clip_id: `${c.clip_id}-again` }))];
    await writeParquetManifest(manifest(), grown);
    // an operator short of disk deleted the earlier ticks' frames: the retraining extracts them again
    const s = scheduleLayout(config.run_dir);
    for (const n of [0, 1]) await rm(s.tickFrames(n), { recursive: true });
    const { log, warnings } = warningLog();
    const r = await runTick(config, { log, reporter, retrainEvery: 1 });
    expect(r).toMatchObject({ status: 'done', tick: 2, clips: 4, retrained: true, framesRestored: 2 });
    expect(warnings.filter((w) => w.includes('frames are gone'))).toEqual([
      "tick 0's frames are gone: extracting them again",
      "tick 1's frames are gone: extracting them again",
    ]);
    for (const n of [0, 1]) expect(existsSync(join(s.tickFrames(n), 'run.json')), `tick ${n}`).toBe(true);
    if (r.status !== 'done') throw new Error('unreachable');
    // the retraining's share of the tick's time is said apart
    expect(r.trainSeconds).toBeGreaterThan(0);
    expect(r.trainSeconds).toBeLessThanOrEqual(r.seconds);
    const tickModel = scheduleLayout(config.run_dir).model(2);
    expect(r.model).toBe(tickModel);
    // trained on from the model the tick captioned with (train.warm_start's default), here model.init
    expect((await loadVersion(tickModel)).metrics.started_from).toBe(
      (await loadVersion(join(dir, 'model'))).manifest.contentHash,
    );
    // it learnt from every tick's rows so far (24 clips), not from this night's 4 alone: the exported
    // rows are what it pre-trained on, and the human captions among them what it fine-tuned on
    const exported: RefinedRow[] = [];
    for (const n of [0, 1, 2]) {
      const out = scheduleLayout(config.run_dir).tickExport(n);
      for (const f of (await readdir(out)).filter((x) => x.endsWith('.parquet')))
        exported.push(...(await readParquetRows<RefinedRow>(join(out, f))));
    }
    const human = exported.filter((e) => e.caption_source === 'human').length;
    expect(human).toBeGreaterThan(0);
    const trained = (await loadVersion(tickModel)).metrics;
    expect(JSON.parse(String(trained.pretrain))).toMatchObject({ examples: exported.length - human });
    expect(JSON.parse(String(trained.finetune))).toMatchObject({ examples: human });
    // and an epoch over those ticks finds each row's frames in its own tick's frames run
    const { parts } = await retrainingParts(config.run_dir, 2);
    const set = await TrainingSet.openParts(parts);
    let rows = 0;
    for await (const b of set.epoch({ filter: trainableExample, batchSize: 8, seed: 1, epoch: 0 }))
      rows += b.clipIds.length;
    expect(rows).toBe(exported.length - human);
    // one model (no folds), and the next tick captions with it
    const next = await currentModels(config);
    expect(next).toEqual([tickModel]);
    for (const m of next) expect(existsSync(join(m, 'manifest.json')), m).toBe(true);
  });

  it('a retraining tick starts where train.warm_start says, as a refine round does: false is fresh weights', async () => {
    const grown = [
      ...clips,
      ...clips.slice(0, 4).map((c) => ({ ...c, clip_id: `${c.clip_id}-again` })),
      ...clips.slice(4, 16).map((c) => ({ ...c, clip_id: `${c.clip_id}-third` })),
    ];
    await writeParquetManifest(manifest(), grown);
    const fresh = parseRefineConfig({ ...config, train: { ...config.train, warm_start: false } });
    const r = await runTick(fresh, { log: quiet, reporter, retrainEvery: 1 });
    expect(r).toMatchObject({ status: 'done', tick: 3, clips: 12, retrained: true });
    // not from the current model (tick 2's), which a tick used to train on from whatever the config said
    expect((await loadVersion(scheduleLayout(config.run_dir).model(3))).metrics.started_from).toBe('fresh');
  });

  it('a tick that finds the job locked by another process is skipped, not run twice', async () => {
    const held = await lockJob(scheduleLayout(config.run_dir).dir, 'tick');
    if (!isHeld(held)) throw new Error('the test could not take the tick lock');
    try {
      expect(await runTick(config, { log: quiet, reporter })).toEqual({ status: 'locked' });
    } finally {
      await held.release();
    }
  });

  it('a cron schedule runs ticks and rejects a bad expression, quoting it', async () => {
    expect(() => startSchedule(config, { cron: 'not a cron', log: quiet })).toThrow(
      /invalid cron expression "not a cron"/,
    );
    const results: string[] = [];
    const h = startSchedule(config, {
      cron: '* * * * * *',
      maxTicks: 1,
      log: quiet,
      reporter,
      onTick: (r) => results.push(r.status),
    });
    await h.done;
    expect(results).toEqual(['no-new-clips']);
  });

  it('warns when a tick’s new clips are worded unlike the text the current model learned from', async () => {
    const french = clips.slice(0, 6).map((c) => ({
      ...c,
      clip_id: `${c.clip_id}-fr`,
      asr_text: 'alors un carré vert qui glisse à gauche sur un fond gris',
      title: 'carré vert à gauche',
    }));
    await writeParquetManifest(manifest(), [
      ...clips,
      ...clips.slice(0, 4).map((c) => ({ ...c, clip_id: `${c.clip_id}-again` })),
      ...clips.slice(4, 16).map((c) => ({ ...c, clip_id: `${c.clip_id}-third` })),
      ...french,
    ]);
    const { log, warnings } = warningLog();
    expect(await runTick(config, { log, reporter })).toMatchObject({ status: 'done', tick: 4, clips: 6 });
    const drift = warnings.find((w) => w.startsWith("the current model's tokenizer reads"));
    expect(drift).toMatch(/of the pieces of \d+ this tick's texts \(transcripts, titles, human captions\) as <unk>/);
    expect(drift).toContain('"é"');
    expect(drift).toContain('refine a new job over the grown manifest');
  });

  it('refuses to tick a refine job under another rule than it was started with, naming the fields, before touching it', async () => {
    const jobDir = join(dir, 'refined-job');
    const job = { ...config, run_dir: jobDir };
    await checkJob(jobLayout(jobDir), job);
    const changed = { ...job, seed: 9, adatailr: { ...job.adatailr, gamma: 0.5 } };
    await expect(runTick(changed, { log: quiet, reporter })).rejects.toThrow(
      /^schedule: refusing to tick \S+refined-job: its refine job was started with another config: .*seed 1 → 9.*Put those back, or use a new run_dir\.$/,
    );
    await expect(runTick(changed, { log: quiet, reporter })).rejects.toThrow(/adatailr\.gamma \S+ → 0\.5/);
    expect(existsSync(scheduleLayout(jobDir).tickDir(0))).toBe(false);
    // the title margin of a tick's clips may be set after the job started: it decides only ticks
    const ticked = {
      ...job,
      adatailr: { ...job.adatailr, choice: { ...job.adatailr.choice, tick_title_margin: 3 } },
    };
    expect(await runTick(ticked, { log: quiet, reporter })).toMatchObject({ status: 'done', tick: 0 });
    // and its export records the rule its rows were chosen by, which the job's record lacks
    const meta = JSON.parse(
      await readFile(join(scheduleLayout(jobDir).tickExport(0), 'metadata.json'), 'utf8'),
    ) as ExportMetadata;
    expect(meta.choice_rule).toMatchObject({ title_margin: 3, tick_title_margin: 3 });
  });
});

describe('a tick and a clip whose video failed', () => {
  it('takes the clip again once its file is replaced, and not before', async () => {
    const dir = await tempDir('flywheel-schedule-retry-');
    const data = join(dir, 'data');
    await generateBenchmark({ outDir: data, clips: 24, seed: 4, clipsPerVideo: 8 });
    const clips = await readParquetRows<ClipRow>(join(data, 'clips.parquet'));
    // the third video's clips point at a file that is not there yet
    const third = clips[16].video_uri;
    const late = join(data, 'late.mp4');
    const rows = clips.map((c) => (c.video_uri === third ? { ...c, video_uri: late } : c));
    const manifest = await writeParquetManifest(join(dir, 'manifest.parquet'), rows);
    const tok = CaptionTokenizer.train(
      clips.map((c) => c.asr_text),
      { vocabSize: 96 },
    );
    saveVersion(join(dir, 'model'), createModel('tiny', tok, 1), { trainingDataId: 'test' });
    const config = parseRefineConfig({
      run_dir: join(dir, 'job'),
      manifest,
      media_root: data,
      shard_size: 4,
      model: { init: join(dir, 'model') },
      caption: { model_batch: 8 },
    });
    const s = scheduleLayout(config.run_dir);
    const failedIds = rows.filter((c) => c.video_uri === late).map((c) => c.clip_id);
    expect(failedIds).toHaveLength(8);

    // the tick's line says how many of its clips failed, for a nightly alert to watch
    expect(await runTick(config, { log: quiet, reporter })).toMatchObject({
      status: 'done',
      tick: 0,
      clips: 24,
      errors: 8,
    });
    const errors = await readParquetRows<{ clip_id: string; error_kind: string }>(
      join(s.tickExport(0), 'errors', 'clips.parquet'),
    );
    expect(errors.map((e) => [e.clip_id, e.error_kind])).toEqual(failedIds.map((id) => [id, 'missing_file']));
    // the file is still missing: nothing to take again
    expect(await runTick(config, { log: quiet, reporter })).toEqual({ status: 'no-new-clips' });

    await copyFile(third, late);
    const retried = await runTick(config, { log: quiet, reporter });
    expect(retried).toMatchObject({ status: 'done', tick: 1, clips: 8, errors: 0 });
    expect(await clipIdsOfRun(s.tickRun(1))).toEqual(failedIds);
    // every one of them got frames this time: each is a row, a dropped clip or a held-out one, none an error
    const m = JSON.parse(await readFile(join(s.tickExport(1), 'metadata.json'), 'utf8')) as ExportMetadata;
    expect(m.errors).toBe(0);
    expect(m.rows + m.dropped + m.heldout_excluded).toBe(8);
    const exported = await readParquetRows<{ clip_id: string }>(join(s.tickExport(1), 'part-00000.parquet'));
    expect(exported.length).toBeGreaterThan(0);
    for (const r of exported) expect(failedIds).toContain(r.clip_id);
    // taken once: a later tick finds nothing new
    expect(await runTick(config, { log: quiet, reporter })).toEqual({ status: 'no-new-clips' });
  });
  it("takes it again after the job's frames were deleted and its file replaced; once a later round has it, no tick does", async () => {
    const dir = await tempDir('flywheel-schedule-retry-deleted-');
    const data = join(dir, 'data');
    await generateBenchmark({ outDir: data, clips: 40, seed: 4, clipsPerVideo: 8 });
    const clips = await readParquetRows<ClipRow>(join(data, 'clips.parquet'));
    // two videos' clips point at files that are not there yet
    const [third, fourth] = [clips[16].video_uri, clips[24].video_uri];
    const [late, later] = [join(data, 'late.mp4'), join(data, 'later.mp4')];
    const moved = new Map([
      [third, late],
      [fourth, later],
    ]);
    const rows = clips.map((c) => ({ ...c, video_uri: moved.get(c.video_uri) ?? c.video_uri }));
    const idsOf = (uri: string): string[] => rows.filter((c) => c.video_uri === uri).map((c) => c.clip_id);
    const config = parseRefineConfig({
      run_dir: join(dir, 'job'),
      manifest: await writeParquetManifest(join(dir, 'manifest.parquet'), rows),
      media_root: data,
      shard_size: 8,
      rounds: 1,
      ...tinyRefineSettings(96),
    });
    const refine = (rounds: number) => runRefine({ ...config, rounds }, { log: quiet, reporter });
    const roundErrors = async (k: number): Promise<string[]> =>
      (await exportRound({ jobDir: config.run_dir, round: k })).metadata.errors === 0
        ? []
        : (
            await readParquetRows<{ clip_id: string; error_kind: string }>(
              join(jobLayout(config.run_dir).exportDir(k), 'errors', 'clips.parquet'),
            )
          ).map((e) => `${e.clip_id} ${e.error_kind}`);
    await refine(1);
    expect(await roundErrors(0)).toEqual([...idsOf(late), ...idsOf(later)].map((id) => `${id} missing_file`));

    // disk was short: the frames go; one missing video arrives
    await rm(jobLayout(config.run_dir).framesRun, { recursive: true });
    // an export made meanwhile still names each failure's cause: the round's own record carries it
    const meanwhile = await exportRound({ jobDir: config.run_dir, round: 0 });
    const failures = await readParquetRows<{ error_kind: string; message: string }>(
      join(meanwhile.dir, 'errors', 'clips.parquet'),
    );
    expect(failures).toHaveLength(16);
    for (const f of failures) {
      expect(f.error_kind).toBe('missing_frames');
      expect(f.message).toMatch(/: the frames run failed it \(missing_file: /);
    }
    await copyFile(third, late);
    // a tick that does not retrain extracts only its own clips: the round's record says which clips failed
    expect(await runTick(config, { log: quiet, reporter })).toMatchObject({
      status: 'done',
      tick: 0,
      clips: 8,
      errors: 0,
    });
    const s = scheduleLayout(config.run_dir);
    expect(await clipIdsOfRun(s.tickRun(0))).toEqual(idsOf(late));
    expect(await runTick(config, { log: quiet, reporter })).toEqual({ status: 'no-new-clips' });

    // the other arrives; the next round extracts the job's frames again and takes every clip
    await copyFile(fourth, later);
    await refine(2);
    expect(await roundErrors(1)).toEqual([]);
    const m = JSON.parse(
      await readFile(join(jobLayout(config.run_dir).exportDir(1), 'metadata.json'), 'utf8'),
    ) as ExportMetadata;
    expect(m.rows + m.dropped + m.heldout_excluded).toBe(40);
    // the round has them: no tick takes them as well
    expect(await runTick(config, { log: quiet, reporter })).toEqual({ status: 'no-new-clips' });
  }, 300_000);
});
