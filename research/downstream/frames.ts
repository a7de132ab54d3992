/**
 * Where the probe's frames come from. Every dataset of one comparison reads the same frames for
 * the same clip (one source, one geometry), so only the text differs between them. A source is a
 * frames run (a refine job's `frames/`, or one extracted for the probe by `extract-frames.ts`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStorage } from '../../pipeline/storage.js';
import { FrameStore, type StoredClipFrames } from '../../stages/attach-frames/frame-store.js';
import { jobLayout } from '../../jobs/refine/layout.js';

/** Read access to stored frames by clip id. */
export interface FrameSource {
  /** What the frames are, for messages (e.g. the frames run directory). */
  readonly description: string;
  /** A clip's frames, or undefined when the source has none for it. */
  get(clipId: string): Promise<StoredClipFrames | undefined>;
}

/** The frames of a comparison's clips, all with one geometry (T square frames of S×S). */
export interface LoadedFrames {
  readonly count: number;
  readonly size: number;
  readonly byClip: ReadonlyMap<string, Uint8Array>;
}

/**
 * The frames run a path points at: a frames run directory itself (it has `run.json`), or a refine
 * job directory (its `frames/`). Throws naming the path when it is neither.
 */
export function resolveFramesRun(path: string): string {
  if (existsSync(join(path, 'run.json'))) return path;
  const jobFrames = jobLayout(path).framesRun;
  if (existsSync(join(jobFrames, 'run.json'))) return jobFrames;
  throw new Error(
    `frames: ${path} is neither a frames run (no run.json) nor a refine job directory (no frames/run.json)`,
  );
}

/** A frame source over a frames run directory (see {@link resolveFramesRun}). */
export async function frameRunSource(path: string): Promise<FrameSource> {
  const dir = resolveFramesRun(path);
  const store = new FrameStore({ storage: new LocalStorage(dir), cacheShards: 4 });
  await store.open();
  return { description: dir, get: (id) => store.get(id) };
}

/**
 * Reads the frames of `clipIds` into memory. Every clip must have frames of one geometry with
 * square frames and at least 2 of them; clips without frames are returned in `missing` for the
 * caller to name in its error (it knows which dataset each clip belongs to).
 */
export async function loadFrames(
  source: FrameSource,
  clipIds: Iterable<string>,
): Promise<{ frames: LoadedFrames; missing: string[] }> {
  const byClip = new Map<string, Uint8Array>();
  const missing: string[] = [];
  let geometry: { clip: string; count: number; width: number; height: number } | undefined;
  for (const id of new Set(clipIds)) {
    const f = await source.get(id);
    if (!f) {
      missing.push(id);
      continue;
    }
    if (!geometry) {
      geometry = { clip: id, count: f.count, width: f.width, height: f.height };
      if (f.width !== f.height)
        throw new Error(
          `frames: ${source.description} has ${f.width}×${f.height} frames (clip ${id}); the probe needs square frames`,
        );
      if (f.count < 2)
        throw new Error(
          `frames: ${source.description} has ${f.count} frame per clip (clip ${id}); the probe needs ≥ 2 to see motion`,
        );
    } else if (f.count !== geometry.count || f.width !== geometry.width || f.height !== geometry.height) {
      throw new Error(
        `frames: ${source.description} mixes geometries: clip ${id} has ${f.count} frames of ${f.width}×${f.height}, clip ${geometry.clip} has ${geometry.count} of ${geometry.width}×${geometry.height}`,
      );
    }
    byClip.set(id, f.pixels);
  }
  if (!geometry)
    throw new Error(`frames: ${source.description} has frames for none of the ${missing.length} clips asked for`);
  return { frames: { count: geometry.count, size: geometry.width, byClip }, missing };
}
