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

/**
 * Why the frames run stored no frames for each clip it failed: its error's kind and message, read
 * once a clip without frames turns up (none is read when every clip has them). The round's error
 * row carries it, so the cause outlives the frames run being deleted.
 */
async function framesCauses(framesRun: Storage): Promise<Map<string, string>> {
  const causes = new Map<string, string>();
  for (const e of await readRunErrors(framesRun))
    if (!causes.has(e.clip_id)) causes.set(e.clip_id, `${e.error_kind}: ${e.message}`);
  return causes;
}

/** Builds the attach-frames stage (clips → clip_frames; in-flight only, never stored). */
export function attachFramesStage(options: AttachFramesOptions): AnyStage {
  const opts = parseStageOptions('attach-frames', optionsSchema, options);
  let store: FrameStore | undefined;
  let causes: Promise<Map<string, string>> | undefined;
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
          const cause = (await causes).get(clip.clip_id);
          ctx.reportError({
            clip_id: clip.clip_id,
            kind: 'missing_frames',
            message: cause
              ? `no frames stored for clip ${clip.clip_id}: the frames run failed it (${cause})`
              : `no frames stored for clip ${clip.clip_id}, and the frames run recorded no error for it`,
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
