/**
 * Which clips a tick takes again: a clip whose video gave no frames (missing, empty, unreadable,
 * broken, too slow) is fixed by replacing the file, so once the file has changed since it failed,
 * the next tick takes it like a new clip. A clip that failed for another reason (a refused path, a
 * clip past its video's end) or whose file has not changed is not taken again, so a tick never
 * loops on the same broken file. A failure outlives the job's frames being deleted (and extracted
 * again): the last round's own record of the clips it had no frames for stands for it.
 */
import { stat } from 'node:fs/promises';
import type { ErrorKind, ErrorRow } from '../../schemas/errors.js';
import { readRunErrors } from '../../pipeline/run-errors.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { resolveMediaPath } from '../../stages/frames/index.js';
import { clipIdBatchesOfRun } from './tick-state.js';

/** The frames errors a user fixes by replacing the video file. */
export const RETRIED_KINDS: ReadonlySet<ErrorKind> = new Set([
  'missing_file',
  'empty_file',
  'not_a_video',
  'decode_failed',
  'timeout',
]);

/** A frames run's error rows, by clip id. */
async function framesErrors(runDir: string): Promise<Map<string, ErrorRow>> {
  const out = new Map<string, ErrorRow>();
  for (const e of await readRunErrors(new LocalStorage(runDir))) if (e.stage === 'frames') out.set(e.clip_id, e);
  return out;
}

/** Options of {@link standingFramesErrors}. */
export interface StandingOptions {
  /**
   * The refine job's last round's run, when the first frames run is the job's. A clip that round
   * recorded without frames (`missing_frames`) but that the job's frames run took without error was
   * extracted again after the frames were deleted, its video replaced in between: the round's rows
   * still lack it, so its failure stands, at the round's time.
   */
  readonly roundRun?: string;
}

/**
 * The frames errors still standing over frames runs given oldest first: each clip's last attempt,
 * where it failed. A later run that took the clip and gave frames clears it.
 */
export async function standingFramesErrors(
  framesRuns: readonly string[],
  opts: StandingOptions = {},
): Promise<Map<string, ErrorRow>> {
  const standing = new Map<string, ErrorRow>();
  for (const [i, run] of framesRuns.entries()) {
    const errors = await framesErrors(run);
    const roundErrors = i === 0 && opts.roundRun ? await missingFrames(opts.roundRun) : [];
    // a run that neither failed a clip nor can clear an earlier failure need not be listed (most runs)
    if (standing.size === 0 && errors.size === 0 && roundErrors.length === 0) continue;
    // a clip the run took and did not fail is cleared; one with an error was taken, whether or not its input lists it
    for await (const ids of clipIdBatchesOfRun(run)) for (const id of ids) if (!errors.has(id)) standing.delete(id);
    for (const [id, e] of errors) standing.set(id, e);
    for (const e of roundErrors) if (!standing.has(e.clip_id)) standing.set(e.clip_id, e);
  }
  return standing;
}

/** A round's `missing_frames` errors: the clips it had no frames for. */
async function missingFrames(roundRun: string): Promise<ErrorRow[]> {
  return (await readRunErrors(new LocalStorage(roundRun))).filter((e) => e.error_kind === 'missing_frames');
}

/**
 * The clips whose last attempt, over frames runs given oldest first, failed with one of
 * {@link RETRIED_KINDS} (or stands as the round's `missing_frames`: {@link StandingOptions}), each
 * with the time (ms since the epoch) it failed.
 */
export async function failedVideos(
  framesRuns: readonly string[],
  opts: StandingOptions = {},
): Promise<Map<string, number>> {
  const failed = new Map<string, number>();
  for (const [id, e] of await standingFramesErrors(framesRuns, opts))
    if (RETRIED_KINDS.has(e.error_kind) || e.error_kind === 'missing_frames') failed.set(id, Date.parse(e.at));
  return failed;
}

/**
 * Whether a clip's video is now a file that changed after `since` (its inode change time, which a
 * copy that keeps the old modification time still moves).
 */
export async function videoChangedSince(mediaRoot: string, videoUri: string, since: number): Promise<boolean> {
  const media = await resolveMediaPath(mediaRoot, videoUri);
  if ('error' in media) return false;
  const s = await stat(media.path);
  return Math.max(s.ctimeMs, s.mtimeMs) > since;
}
