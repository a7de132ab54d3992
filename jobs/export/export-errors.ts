/**
 * The errors an export lists beside its data: every clip the exported round could not process, with
 * the cause a user can act on. A clip whose video gave no frames fails in the round as
 * `missing_frames`; its cause is the frames run's error (missing file, decode failure, bad time
 * range), so that is the one listed. With the frames run deleted, the round's own row is listed: its
 * message quotes that cause, as the round read it.
 */
import { readRunErrors } from '../../pipeline/run-errors.js';
import type { Storage } from '../../pipeline/storage.js';
import type { ClipRow } from '../../schemas/clips.js';
import type { FailedRow } from '../../schemas/dropped.js';
import type { ErrorRow } from '../../schemas/errors.js';

/** The file listing the clips an export could not process: in a folder of its own, like the dropped clips'. */
export const ERRORS_FILE = 'errors/clips.parquet';

/**
 * The round's errors by clip id, a `missing_frames` error replaced by the frames run's errors for
 * that clip when it has any.
 */
export async function readRoundErrors(run: Storage, frames?: Storage): Promise<Map<string, ErrorRow[]>> {
  const causes = new Map<string, ErrorRow[]>();
  if (frames) for (const e of await readRunErrors(frames)) causes.set(e.clip_id, [...(causes.get(e.clip_id) ?? []), e]);
  const byClip = new Map<string, ErrorRow[]>();
  for (const e of await readRunErrors(run)) {
    const resolved = e.error_kind === 'missing_frames' ? (causes.get(e.clip_id) ?? [e]) : [e];
    byClip.set(e.clip_id, [...(byClip.get(e.clip_id) ?? []), ...resolved]);
  }
  return byClip;
}

/** The export's error rows, sorted by clip id, each with its clip's video and span where the clip is known. */
export function failedRows(
  errors: ReadonlyMap<string, readonly ErrorRow[]>,
  clips: ReadonlyMap<string, ClipRow>,
  round: number,
  tick: number | null = null,
): FailedRow[] {
  return [...errors.keys()].sort().flatMap((id) => {
    const clip = clips.get(id);
    return (errors.get(id) ?? []).map((e) => ({
      clip_id: id,
      video_uri: clip?.video_uri ?? null,
      start_s: clip?.start_s ?? null,
      end_s: clip?.end_s ?? null,
      round,
      tick,
      stage: e.stage,
      error_kind: e.error_kind,
      message: e.message,
    }));
  });
}
