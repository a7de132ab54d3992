/**
 * `attach-frames`: joins each clip with the frames the job's frames run stored, so model stages get
 * one row per clip with its pixels. Frames are decoded once per job, not once per round.
 */
import type { RecordBatch } from 'apache-arrow';
import { batchToRows, rowsToBatch } from '../../pipeline/arrow.js';
import type { Stage, StageContext } from '../../pipeline/stage.js';
import type { Storage } from '../../pipeline/storage.js';
import { type ClipRow, clipsSchema } from '../../schemas/clips.js';
import { type ClipFramesRow, clipFramesSchema } from '../../schemas/clip-frames.js';
import { FrameStore } from './frame-store.js';

/** Options of {@link attachFramesStage}. */
export interface AttachFramesOptions {
  /** Storage of the run directory where the frames stage wrote its output. */
  readonly framesRun: Storage;
  /** The frame geometry the model needs; a clip whose stored frames differ is an error row. */
  readonly expect?: { readonly count: number; readonly width: number; readonly height: number };
  readonly batchSize?: number;
}

/** Builds the attach-frames stage (clips → clip_frames; in-flight only, never stored). */
export function attachFramesStage(opts: AttachFramesOptions): Stage {
  let store: FrameStore | undefined;
  return {
    name: 'attach-frames',
    resources: { cpus: 1, gpus: 0 },
    batchSize: opts.batchSize ?? 64,
    concurrency: 1,
    resumable: true,
    inputSchema: clipsSchema,
    outputSchema: clipFramesSchema,
    persist: false,
    async setup() {
      store = new FrameStore({ storage: opts.framesRun });
      await store.open();
    },
    async process(batch: RecordBatch, ctx: StageContext): Promise<RecordBatch> {
      if (!store) throw new Error('attach-frames: process() before setup()');
      const out: ClipFramesRow[] = [];
      for (const clip of batchToRows<ClipRow>(batch)) {
        const f = await store.get(clip.clip_id);
        if (!f) {
          ctx.reportError({
            clip_id: clip.clip_id,
            kind: 'missing_frames',
            message: `no frames stored for clip ${clip.clip_id} (see the frames run's errors table)`,
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
      return rowsToBatch(clipFramesSchema, out as unknown as Record<string, unknown>[]);
    },
    async teardown() {
      store = undefined;
    },
  };
}
