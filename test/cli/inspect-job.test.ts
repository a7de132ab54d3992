/**
 * `flywheel inspect <job dir>`: where a refine job stands, read from its files — its rounds (the
 * table `refine` prints), the clips whose video gave no frames with their causes, its exports and
 * ticks (the failed clips a tick took again and got frames from, the ticks' own failed clips),
 * whether a refine runs it now, and what to run next, before and after an export.
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clipFailureLines, inspectJob, isJobDir } from '../../cli/inspect-job.js';
import { isHeld, lockJob } from '../../pipeline/job-lock.js';
import { layout } from '../../pipeline/layout.js';
import { RUN_FORMAT, type RunMeta } from '../../pipeline/ledger.js';
import { parquetBytes } from '../../pipeline/parquet.js';
import { rowsToBatch } from '../../schemas/arrow.js';
import { errorsSchema } from '../../schemas/errors.js';
import { jobLayout } from '../../jobs/refine/layout.js';
import { pinManifest } from '../../jobs/refine/pinned-manifest.js';
import { exportRound } from '../../jobs/export/export-round.js';
import { writeReport } from '../../jobs/report/build-report.js';
import { scheduleLayout } from '../../jobs/schedule/tick-state.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { FIXTURE_ERRORS, writeRoundFixture } from '../jobs/export/round-fixture.js';
import { writeFramesRun } from '../jobs/schedule/frames-run-fixture.js';

describe('flywheel inspect on a refine job', () => {
  it('names the manifest the job reads, its copy, and whether the source was modified or is gone since', async () => {
    const root = await tempDir('flywheel-inspect-pin-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    expect(await inspectJob(job)).not.toContain('\nmanifest: the job');
    const source = join(root, 'clips.jsonl');
    await writeFile(source, '{"clip_id":"a","video_uri":"a.mp4","asr_text":"a"}\n');
    const { pin } = await pinManifest(jobLayout(job), source);
    const line = `manifest: the job's copy of ${source} (${pin.bytes} bytes, sha256 ${pin.sha256.slice(0, 12)}, copied ${pin.pinned_at})`;
    expect(await inspectJob(job)).toContain(`\n${line}\n`);
    await appendFile(source, '{"clip_id":"b","video_uri":"b.mp4","asr_text":"b"}\n');
    expect(await inspectJob(job)).toContain(
      `\n${line}; ${source} has been modified since (size or time): the job goes on with its copy, new clips are for schedule ticks\n`,
    );
    await rm(source);
    expect(await inspectJob(job)).toContain(`\n${line}; ${source} is gone since\n`);
    await rm(join(job, 'manifest', 'clips.jsonl'));
    expect(await inspectJob(job)).toContain(
      `\n${line}; ${source} is gone since; the copy is gone: the next refine copies the manifest again if it still holds the job's bytes, and refuses otherwise\n`,
    );
  });

  it('says which rounds finished, which clips gave no frames, what was exported and what to run next', async () => {
    const root = await tempDir('flywheel-inspect-job-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    expect(isJobDir(job)).toBe(true);
    expect(isJobDir(root)).toBe(false);

    const before = await inspectJob(job);
    expect(before).toContain(`${job}: refine job, config ${'c'.repeat(12)}\n`);
    expect(before).toContain('rounds finished: 1\n');
    expect(before).toMatch(/\ndata {7}rows {2}vocab {2}dist-2 \| dropped/);
    expect(before).toMatch(/\nround 0 +5 /);
    expect(before).toContain(
      `frames: 1 clip gave no frames (missing_file 1; e.g. no-video: ${FIXTURE_ERRORS.frames.message})`,
    );
    expect(before).toContain('exports: none yet\n');
    expect(before).toContain(`next: flywheel export ${job} (round 0, the latest, is not exported yet)`);

    const e = await exportRound({ jobDir: job });
    const s = scheduleLayout(job);
    await mkdir(s.tickDir(0), { recursive: true });
    await writeFile(s.tickDone(0), '{}');
    // tick 0 took the failed clip again (its video turned up) and two new clips, one of which failed
    await writeFramesRun(
      s.tickFrames(0),
      ['no-video', 'new-ok', 'new-broken'],
      [{ clip_id: 'new-broken', error_kind: 'decode_failed', message: 'not a readable video: new-broken.mp4' }],
    );
    await mkdir(s.tickDir(1), { recursive: true });
    // through the CLI, as a user runs it: a job directory is recognised as one
    const r = await runCli(['inspect', job]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `exports:\n  round-0: 5 rows, 1 dropped, 2 with errors, 1 data file, dataset ${e.metadata.dataset_id.slice(0, 12)}\n`,
    );
    expect(r.stdout).toContain(
      'schedule: 1 tick finished, one interrupted (the next tick resumes it)\n' +
        "  of the job's clips that gave no frames, 1 gave frames in a tick since (e.g. no-video)\n" +
        '  ticks: 1 clip gave no frames (decode_failed 1; e.g. new-broken: not a readable video: new-broken.mp4)\n' +
        `  whole dataset (the round's rows and the ticks'): not exported yet: flywheel export ${job} --with-ticks\n`,
    );
    expect(r.stdout).toMatch(/\nreport: not written\ndisk: [\d.]+ kB in all: \w+ [\d.]+ kB, /);
    expect(r.stdout).toContain(`\nnext: flywheel report ${job}\n`);

    // once the report is written there is nothing left to run, until the export is newer than it
    const report = await writeReport(job);
    expect(await inspectJob(job)).toContain(`\nreport: ${report}\ndisk: `);
    expect(await inspectJob(job)).toContain(
      `next: nothing: round 0 is exported and the report is up to date (a refine asking for more rounds goes on from round 1)\n`,
    );
    const stale = `next: flywheel report ${job} (the report is older than the latest round, export or tick)\n`;
    const touch = (path: string, seconds: number): Promise<void> => {
      const t = new Date(Date.now() + seconds * 1000);
      return utimes(path, t, t);
    };
    await touch(join(e.dir, 'metadata.json'), 60);
    expect(await inspectJob(job)).toContain(stale);
    await touch(report, 120);
    expect(await inspectJob(job)).toContain('next: nothing: round 0 is exported');
    // a tick that finished after the report makes it stale too: the report shows the nights
    await touch(s.tickDone(0), 180);
    expect(await inspectJob(job)).toContain(stale);
    // the job's frames deleted since: the round's own record still says which of its clips had none
    await rm(jobLayout(job).framesRun, { recursive: true });
    expect(await inspectJob(job)).toContain(
      "  of the job's clips that gave no frames, 1 gave frames in a tick since (e.g. no-video)\n" +
        '  ticks: 1 clip gave no frames (decode_failed 1; e.g. new-broken: not a readable video: new-broken.mp4)\n',
    );
  }, 60_000);

  it('says the manifest rows refused apart from the clips whose video gave no frames, and nothing when all went well', async () => {
    const root = await tempDir('flywheel-inspect-failures-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    const frames = jobLayout(job).framesRun;
    expect(await clipFailureLines(job)).toEqual([
      `frames: 1 clip gave no frames (missing_file 1; e.g. no-video: ${FIXTURE_ERRORS.frames.message})`,
    ]);
    // a bad manifest row is in the frames run too, the first run to read the manifest: it is no video's failure
    const rows = [FIXTURE_ERRORS.manifest, { ...FIXTURE_ERRORS.manifest, clip_id: 'row:12' }];
    await writeFile(join(frames, layout.manifestErrors), parquetBytes(errorsSchema, [rowsToBatch(errorsSchema, rows)]));
    expect(await clipFailureLines(job)).toEqual([
      `manifest: 2 rows refused (manifest_row 2; e.g. row:9: ${FIXTURE_ERRORS.manifest.message})`,
      `frames: 1 clip gave no frames (missing_file 1; e.g. no-video: ${FIXTURE_ERRORS.frames.message})`,
    ]);
    expect(await inspectJob(job)).toContain('\nmanifest: 2 rows refused (manifest_row 2;');
    expect(await clipFailureLines(join(root, 'no-job'))).toBeUndefined();
    // an extraction of the frames stopped (or running) with one of its two shards committed
    const meta = { format: RUN_FORMAT, shards: ['shard-00000', 'shard-00001'] } as Partial<RunMeta>;
    await writeFile(join(frames, layout.runMeta), JSON.stringify(meta));
    await mkdir(join(frames, layout.ledgerDir));
    await writeFile(join(frames, layout.ledger('shard-00000')), '{}');
    expect(await inspectJob(job)).toContain(
      '\nframes: 1 of 2 shards extracted (a refine or retraining tick that runs the job extracts the rest)\n',
    );
    // every shard committed, no clip failed
    await writeFile(join(frames, layout.ledger('shard-00001')), '{}');
    await rm(join(frames, 'errors'), { recursive: true });
    expect(await inspectJob(job)).toContain('\nframes: every clip gave frames\n');
    // the frames deleted since the round read them (a job with no round yet has none to lose): the
    // failures as the first round recorded them, a failed video only as missing_frames
    await rm(frames, { recursive: true });
    const fromRound = [
      `manifest: 1 row refused (manifest_row 1; e.g. row:9: ${FIXTURE_ERRORS.manifest.message})`,
      `frames: 1 clip gave no frames (missing_frames 1; e.g. no-video: ${FIXTURE_ERRORS.round.message})`,
    ];
    expect(await clipFailureLines(job)).toEqual(fromRound);
    expect(await inspectJob(job)).toContain(
      `\n${fromRound.join('\n')}\nframes: gone since the rounds read them: the next \`flywheel refine\` or retraining tick extracts them again from the job's copy of its manifest; the report is written without thumbnails\n`,
    );
    const clean = join(root, 'clean');
    await mkdir(join(jobLayout(clean).framesRun, 'errors'), { recursive: true });
    expect(await clipFailureLines(clean)).toBeUndefined();
  });

  it('says when a refine runs the job now, and when the one that held it was killed', async () => {
    const root = await tempDir('flywheel-inspect-running-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    expect(await inspectJob(job)).not.toContain('running:');
    const held = await lockJob(job, 'refine');
    if (!isHeld(held)) throw new Error('the test could not take the job lock');
    try {
      expect(await inspectJob(job)).toMatch(
        new RegExp(`\\nrunning: a refine, process ${process.pid} on ${hostname()}, since \\d{4}-`),
      );
    } finally {
      await held.release();
    }
    // a killed holder's lock: its owner is a process that no longer runs
    await mkdir(join(job, 'refine.lock'));
    const gone = { pid: await exitedPid(), host: hostname(), since: '2026-01-01T00:00:00.000Z', token: 't' };
    await writeFile(join(job, 'refine.lock', 'owner.json'), JSON.stringify(gone));
    expect(await inspectJob(job)).toContain(
      `running: none (a refine by process ${gone.pid} on ${hostname()}, since 2026-01-01T00:00:00.000Z was killed; the next one takes its lock over)`,
    );
  });
});

/** The pid of a process that has exited. */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('exit', r));
  return child.pid as number;
}
