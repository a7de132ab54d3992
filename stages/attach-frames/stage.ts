/**
 * `attach-frames`: joins each clip with the frames the job's frames run stored, so model stages get
 * one row per clip with its pixels. Frames are decoded once per job, not once per round; the frames
 * run is a declared side input, opened by the pipeline (and checked when a run is planned).
 */
import { z } from 'zod';
import { defineStage, parseStageOptions } from '../../pipeline/define-stage.js';
import { readRunErrors } from '../../pipeline/run-errors.js';
import type { AnyStage } from '../../pipeline/stage.js';
import type { Storage } from '../../pipeline/storage.js';
import { clipsTable } from '../../schemas/clips.js';
import { type ClipFramesRow, clipFramesTable } from '../../schemas/clip-frames.js';
import { storedFrames } from '../frames/stage.js';
import { FrameStore } from './frame-store.js';

/** Options of {@link attachFramesStage}. */
export interface AttachFramesOptions {
  /** Storage of the run directory where the frames stage wrote its output. */
  readonly framesRun: Storage;
  /** The frame geometry the model needs; a clip whose stored frames differ is an error row. */
  readonly expect?: { readonly count: number; readonly width: number; readonly height: number };
  /** Rows per `process` call. Default 64. */
  readonly batchSize?: number;
}

const positive = z.number().int().positive();
const optionsSchema = z.object({
  framesRun: z.custom<Storage>((v) => v !== null && typeof v === 'object', 'must be a Storage'),
  expect: z.object({ count: positive, width: positive, height: positive }).optional(),
  batchSize: positive.default(64),
});

/** The frames run's cause for each clip it failed, or why its errors could not be read. */
type FramesCauses = { readonly byClip: ReadonlyMap<string, string> } | { readonly unreadable: string };

/**
 * Why the frames run stored no frames for each clip it failed: its error's kind and message, read
 * once a clip without frames turns up (none is read when every clip has them). The round's error
 * row carries it, so the cause outlives the frames run being deleted. An errors table that cannot
 * be read costs the message its cause, not the round.
 */
async function framesCauses(framesRun: Storage): Promise<FramesCauses> {
  try {
    const byClip = new Map<string, string>();
    for (const e of await readRunErrors(framesRun))
      if (!byClip.has(e.clip_id)) byClip.set(e.clip_id, `${e.error_kind}: ${e.message}`);
    return { byClip };
  } catch (err) {
    return { unreadable: err instanceof Error ? err.message : String(err) };
  }
}

/** The round's message for a clip the frames run stored no frames for. */
function missingMessage(clipId: string, causes: FramesCauses): string {
  if ('unreadable' in causes)
    return `no frames stored for clip ${clipId}; the frames run's errors could not be read for its cause (${causes.unreadable})`;
  const cause = causes.byClip.get(clipId);
  return cause
    ? `no frames stored for clip ${clipId}: the frames run failed it (${cause})`
    : `no frames stored for clip ${clipId}, and the frames run recorded no error for it`;
}

/** Builds the attach-frames stage (clips → clip_frames; in-flight only, never stored). */
export function attachFramesStage(options: AttachFramesOptions): AnyStage {
  const opts = parseStageOptions('attach-frames', optionsSchema, options);
  let store: FrameStore | undefined;
  let causes: Promise<FramesCauses> | undefined;
  return defineStage({
    name: 'attach-frames',
    input: clipsTable,
    output: clipFramesTable,
    stored: false,
    batchSize: opts.batchSize,
    sideInputs: { frames: storedFrames(opts.framesRun) },
    setup({ frames }) {
      store = new FrameStore({ reader: frames });
      return store.open();
    },
    async process(clips, ctx) {
      if (!store) throw new Error('attach-frames: process() before setup()');
      const out: ClipFramesRow[] = [];
      for (const clip of clips) {
        const f = await store.get(clip.clip_id);
        if (!f) {
          causes ??= framesCauses(opts.framesRun);
          ctx.reportError({
            clip_id: clip.clip_id,
            kind: 'missing_frames',
            message: missingMessage(clip.clip_id, await causes),
          });
          continue;
        }
        const e = opts.expect;
        if (e && (f.count !== e.count || f.width !== e.width || f.height !== e.height)) {
          ctx.reportError({
            clip_id: clip.clip_id,
            kind: 'missing_frames',
            message: `stored frames are ${f.count}×${f.width}×${f.height}, the model needs ${e.count}×${e.width}×${e.height} (re-run the frames stage with the model's frame spec)`,
          });
          continue;
        }
        out.push({ ...clip, frame_count: f.count, frame_width: f.width, frame_height: f.height, frames: f.pixels });
      }
      return out;
    },
    teardown() {
      store = undefined;
      causes = undefined;
      return Promise.resolve();
    },
  });
}
