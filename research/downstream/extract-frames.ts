/**
 * Frames for a comparison that has no refine job to borrow them from: the frames stage, run by
 * the engine over the manifest into a cache directory named by the geometry. The run is
 * resumable (a second call skips finished shards) and refuses a changed config or manifest.
 */
import { join } from 'node:path';
import { runLocal } from '../../pipeline/runner.js';
import type { RunReporter } from '../../pipeline/reporter.js';
import { framesConfigSchema } from '../../config/frames.js';
import { framesStage } from '../../stages/frames/stage.js';

/** Options of {@link extractFrames}. */
export interface ExtractFramesOptions {
  readonly manifest: string;
  /** Every video_uri must resolve inside it. */
  readonly mediaRoot: string;
  /** Cache directory; the run goes to `<cacheDir>/frames-<count>x<size>`. */
  readonly cacheDir: string;
  /** Frames per clip. Default 4. */
  readonly count?: number;
  /** Frame side in pixels. Default 32. */
  readonly size?: number;
  readonly reporter?: RunReporter;
  readonly signal?: AbortSignal;
}

/** Extracts (or resumes extracting) the manifest's frames and returns the frames run directory. */
export async function extractFrames(o: ExtractFramesOptions): Promise<string> {
  const count = o.count ?? 4;
  const size = o.size ?? 32;
  const runDir = join(o.cacheDir, `frames-${count}x${size}`);
  const config = framesConfigSchema.parse({ count, width: size, height: size });
  await runLocal({
    runDir,
    manifestPath: o.manifest,
    shardSize: 256,
    round: 0,
    stages: [framesStage({ config, mediaRoot: o.mediaRoot })],
    config: { downstream_frames: { count, size, method: config.method, seek_min_clip_s: config.seek_min_clip_s } },
    ...(o.reporter ? { reporter: o.reporter } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return runDir;
}
