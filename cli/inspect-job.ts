/**
 * `flywheel inspect` on a refine job directory: where the job stands, from its own files and without
 * running anything — its config hash, whether a refine or tick runs it now (its lock), the rounds it
 * finished (the table `flywheel refine` prints), the clips whose video gave no frames, its exports
 * and schedule ticks (with the failed clips a tick has since taken, and the ticks' own), and what to
 * run next.
 * What a nightly operator reads before deciding to re-run, export or look at the report.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import prettyBytes from 'pretty-bytes';
import type { ExportMetadata } from '../jobs/export/export-metadata.js';
import { jobDiskUsage } from '../jobs/refine/disk-usage.js';
import { finishedRoundNumbers, finishedRounds, readJson } from '../jobs/refine/job-files.js';
import { MANIFEST_STAGE } from '../pipeline/manifest/validate.js';
import { compareClipIds } from '../pipeline/run-errors.js';
import { runProgress } from '../pipeline/ledger.js';
import { LocalStorage } from '../pipeline/storage.js';
import { describeHolder, lockHolder } from '../pipeline/job-lock.js';
import { jobLayout, type JobLayout } from '../jobs/refine/layout.js';
import { copyStanding, type ManifestPin, readPin, sourceStanding } from '../jobs/refine/pinned-manifest.js';
import { errorSummaries } from '../jobs/report/build-report.js';
import { standingFramesErrors } from '../jobs/schedule/retry.js';
import { scheduleLayout, tickNumbers } from '../jobs/schedule/tick-state.js';
import { wholeDatasetDir } from '../jobs/schedule/whole-dataset.js';
import type { ErrorRow } from '../schemas/errors.js';
import { formatRounds } from './format-rounds.js';
import { count } from './plural.js';

/** One line per export folder under `exports/`: rows, what was left out, files and dataset id. */
async function exportLines(exportsDir: string): Promise<string[]> {
  if (!existsSync(exportsDir)) return ['exports: none yet'];
  const lines: string[] = [];
  for (const name of (await readdir(exportsDir)).sort()) {
    const meta = join(exportsDir, name, 'metadata.json');
    if (!existsSync(meta)) continue;
    const m = await readJson<Partial<ExportMetadata> & { format?: string; samples?: number; shards?: unknown[] }>(meta);
    if (m.format?.startsWith('flywheel-webdataset')) {
      lines.push(`  ${name}: WebDataset, ${count(m.samples, 'sample')} in ${count(m.shards?.length, 'tar shard')}`);
      continue;
    }
    const errors = m.errors === undefined ? '' : `, ${m.errors} with errors`;
    lines.push(
      `  ${name}: ${count(m.rows, 'row')}, ${m.dropped ?? '?'} dropped${errors}, ${count(m.files?.length, 'data file')}, dataset ${m.dataset_id?.slice(0, 12) ?? '?'}`,
    );
  }
  return lines.length ? ['exports:', ...lines] : ['exports: none yet'];
}

/** Whether a folder is a refine job directory (it holds the job's `job.json`). */
export function isJobDir(dir: string): boolean {
  return existsSync(jobLayout(dir).jobMeta);
}

/**
 * The job's clips that no round could take, a line per cause, read from its frames run (gone: from
 * its last finished round, which lists a failed video as `missing_frames`, the cause in its
 * message): manifest rows refused, and clips whose video gave no frames, counted by kind with one
 * example; undefined when there are none (or no frames run yet). `refine` prints them under its
 * table, so a failed video is said where the job ends, not only in the export's errors.
 */
export async function clipFailureLines(dir: string): Promise<string[] | undefined> {
  const l = jobLayout(dir);
  // with the frames run gone (deleted to free disk), the last round's record: its clips without frames
  const fromFrames = existsSync(l.framesRun);
  const run = fromFrames ? l.framesRun : l.roundRun((await finishedRoundNumbers(l)).at(-1) ?? 0);
  if (!existsSync(run)) return undefined;
  const groups = (await errorSummaries(run)).filter(
    (g) => fromFrames || g.stage === MANIFEST_STAGE || g.stage === 'attach-frames',
  );
  const line = (what: (n: number) => string, gs: typeof groups): string[] => {
    const n = gs.reduce((k, g) => k + g.count, 0);
    const e = gs[0]?.examples[0];
    return n && e
      ? [`${what(n)} (${gs.map((g) => `${g.kind} ${g.count}`).join(', ')}; e.g. ${e.clipId}: ${e.message})`]
      : [];
  };
  const lines = [
    ...line(
      (n) => `manifest: ${count(n, 'row')} refused`,
      groups.filter((g) => g.stage === MANIFEST_STAGE),
    ),
    ...line(
      (n) => `frames: ${count(n, 'clip')} gave no frames`,
      groups.filter((g) => g.stage !== MANIFEST_STAGE),
    ),
  ];
  return lines.length ? lines : undefined;
}

/** `kind n, kind n; e.g. clip: message` for a list of error rows, most common kind first. */
function describeErrors(rows: readonly ErrorRow[]): string {
  const kinds = new Map<string, number>();
  for (const e of rows) kinds.set(e.error_kind, (kinds.get(e.error_kind) ?? 0) + 1);
  const byCount = [...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
  return `${byCount.join(', ')}; e.g. ${rows[0].clip_id}: ${rows[0].message}`;
}

/**
 * After schedule ticks, where the clips that gave no frames stand now: the job's that a finished tick
 * has taken again and got frames from, and the ticks' own clips that still give none (the clips
 * each night's alert is about). Empty when there are neither.
 */
async function tickFrameLines(
  dir: string,
  finishedTicks: readonly number[],
  lastRound: number | undefined,
): Promise<string[]> {
  const l = jobLayout(dir);
  const s = scheduleLayout(dir);
  // the job's frames run (a gone one reads as empty), with the last round's record of the clips it had none for
  const round = lastRound !== undefined ? { roundRun: l.roundRun(lastRound) } : {};
  const jobFailed = await standingFramesErrors([l.framesRun], round);
  const now = await standingFramesErrors([l.framesRun, ...finishedTicks.map((n) => s.tickFrames(n))], round);
  // in clip id order, so the examples are the same however the runs ordered their error rows
  const recovered = [...jobFailed.keys()].filter((id) => !now.has(id)).sort(compareClipIds);
  const tickFailed = [...now.values()]
    .filter((e) => !jobFailed.has(e.clip_id))
    .sort((a, b) => compareClipIds(a.clip_id, b.clip_id));
  return [
    ...(recovered.length
      ? [
          `  of the job's clips that gave no frames, ${recovered.length} gave frames in a tick since (e.g. ${recovered[0]})`,
        ]
      : []),
    ...(tickFailed.length
      ? [`  ticks: ${count(tickFailed.length, 'clip')} gave no frames (${describeErrors(tickFailed)})`]
      : []),
  ];
}

/** Whether a refine or tick holds the job now, from its lock: a line, or undefined when none does. */
function runningLine(dir: string, lock: string, what: string): string | undefined {
  const h = lockHolder(dir, lock);
  if (!h) return undefined;
  if (h.state === 'gone')
    return `running: none (${what} by ${describeHolder(h.lock)} was killed; the next one takes its lock over)`;
  return `running: ${what}, ${describeHolder(h.lock)}${h.state === 'unknown' ? ' (another machine, or starting)' : ''}`;
}

/** Which manifest the job reads (its copy), whether the source has changed since it was copied, and whether the copy is whole. */
async function pinLine(l: JobLayout, pin: ManifestPin): Promise<string> {
  const source = await sourceStanding(pin);
  const copy = await copyStanding(l, pin);
  const since =
    source === 'same'
      ? ''
      : source === 'gone'
        ? `; ${pin.source} is gone since`
        : `; ${pin.source} has been modified since (size or time): the job goes on with its copy, new clips are for schedule ticks`;
  const lost =
    copy === 'same'
      ? ''
      : `; the copy ${copy === 'gone' ? 'is gone' : 'has another size'}: the next refine copies the manifest again if it still holds the job's bytes, and refuses otherwise`;
  return `manifest: the job's copy of ${pin.source} (${count(pin.bytes, 'byte')}, sha256 ${pin.sha256.slice(0, 12)}, copied ${pin.pinned_at})${since}${lost}`;
}

/** The frames line of a job whose rounds read frames that are gone since (deleted to free disk, say). */
const FRAMES_GONE =
  "gone since the rounds read them: the next `flywheel refine` or retraining tick extracts them again from the job's copy of its manifest; the report is written without thumbnails";

/** The job's frames: the clips that gave none, how far an extraction got, or that they are gone. */
async function framesLines(dir: string, anyRound: boolean): Promise<string[]> {
  const frames = jobLayout(dir).framesRun;
  const progress = await runProgress(new LocalStorage(frames));
  const partial =
    progress && progress.done < progress.shards
      ? [
          `frames: ${progress.done} of ${count(progress.shards, 'shard')} extracted (a refine or retraining tick that runs the job extracts the rest)`,
        ]
      : [];
  const failures = await clipFailureLines(dir);
  if (!existsSync(frames) && anyRound) return [...(failures ?? []), `frames: ${FRAMES_GONE}`];
  if (failures) return [...failures, ...partial];
  if (partial.length) return partial;
  return [`frames: ${progress ? 'every clip gave frames' : 'not extracted yet'}`];
}

/** Text for `flywheel inspect <job dir>`. */
export async function inspectJob(dir: string): Promise<string> {
  const l = jobLayout(dir);
  const job = await readJson<{ config_hash: string; created_at?: string; config?: { rounds?: number } }>(l.jobMeta);
  const rounds = await finishedRounds(l);
  const asked = job.config?.rounds;
  const out = [
    `${dir}: refine job, config ${job.config_hash.slice(0, 12)}${job.created_at ? `, started ${job.created_at}` : ''}`,
    `rounds finished: ${rounds.length}${asked !== undefined ? ` (the job was started asking for ${asked}; a re-run asking for more goes on from the last)` : ''}`,
  ];
  const pin = await readPin(l);
  if (pin) out.push(await pinLine(l, pin));
  const running = runningLine(dir, 'refine', 'a refine');
  if (running) out.push(running);
  if (rounds.length) out.push(formatRounds(rounds));
  out.push(...(await framesLines(dir, rounds.length > 0)));
  out.push(...(await exportLines(join(dir, 'exports'))));
  const tickRunning = runningLine(scheduleLayout(dir).dir, 'tick', 'a schedule tick');
  if (tickRunning) out.push(tickRunning);
  const ticks = await tickNumbers(scheduleLayout(dir).dir);
  const done = ticks.filter((n) => existsSync(scheduleLayout(dir).tickDone(n)));
  if (ticks.length) {
    out.push(
      `schedule: ${count(done.length, 'tick')} finished${done.length < ticks.length ? ', one interrupted (the next tick resumes it)' : ''}`,
      ...(await tickFrameLines(dir, done, rounds.at(-1)?.round)),
    );
    const whole = wholeDatasetDir(dir, rounds.at(-1)?.round, done.at(-1));
    if (done.length)
      out.push(
        existsSync(whole)
          ? `  whole dataset (the round's rows and the ticks'): ${whole}`
          : `  whole dataset (the round's rows and the ticks'): not exported yet: flywheel export ${dir} --with-ticks`,
      );
  }
  out.push(`report: ${existsSync(l.report) ? l.report : 'not written'}`, await diskLine(dir));
  const last = rounds[rounds.length - 1]?.round;
  const lastTick = done.at(-1);
  if (last !== undefined)
    out.push(nextLine(dir, l, last, lastTick === undefined ? [] : [scheduleLayout(dir).tickDone(lastTick)]));
  return `${out.join('\n')}\n`;
}

/** Where the job's disk goes, largest part first: `disk: 9.4 GB in all: frames 8.1 GB, rounds 1.2 GB, …`. */
async function diskLine(dir: string): Promise<string> {
  const parts = await jobDiskUsage(dir);
  const total = parts.reduce((n, p) => n + p.bytes, 0);
  return `disk: ${prettyBytes(total)} in all: ${parts.map((p) => `${p.part} ${prettyBytes(p.bytes)}`).join(', ')}`;
}

/**
 * What to run once round `last` finished: its export, then the report, or nothing when the report is
 * newer than the round, its export and every file in `alsoNewerThan` (the last finished tick's).
 */
function nextLine(dir: string, l: JobLayout, last: number, alsoNewerThan: readonly string[]): string {
  if (!existsSync(l.exportDir(last)))
    return `next: flywheel export ${dir} (round ${last}, the latest, is not exported yet), flywheel report ${dir}`;
  const mtime = (p: string): number => (existsSync(p) ? statSync(p).mtimeMs : Number.NaN);
  const report = mtime(l.report);
  const inputs = [l.roundMetrics(last), join(l.exportDir(last), 'metadata.json'), ...alsoNewerThan];
  if (report >= Math.max(...inputs.map(mtime)))
    return `next: nothing: round ${last} is exported and the report is up to date (a refine asking for more rounds goes on from round ${last + 1})`;
  return `next: flywheel report ${dir}${Number.isNaN(report) ? '' : ' (the report is older than the latest round, export or tick)'}`;
}
