/** A small real benchmark (videos drawn by ffmpeg) with its frames extracted for the probe, shared by the downstream tests. */
import { join } from 'node:path';
import { generateBenchmark } from '../../../research/benchmark/generate.js';
import type { TruthRow } from '../../../schemas/truth.js';
import { heldoutSet, readManifestClips, readTruthFile } from '../../../research/downstream/datasets.js';
import { extractFrames } from '../../../research/downstream/extract-frames.js';
import { frameRunSource, type FrameSource } from '../../../research/downstream/frames.js';
import type { HeldoutClip } from '../../../research/downstream/types.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import type { ClipRow } from '../../../schemas/clips.js';
import pino from 'pino';

/** The benchmark's files, clips, truth, held-out set and frames. */
export interface DownstreamFixture {
  readonly dataDir: string;
  readonly manifest: string;
  readonly truthPath: string;
  readonly clips: ClipRow[];
  readonly truth: Map<string, TruthRow>;
  readonly heldout: HeldoutClip[];
  readonly framesRun: string;
  readonly frames: FrameSource;
}

/** Generates `clips` clips (a fifth held out) under `dir` and extracts 4 frames of 32×32 per clip. */
export async function downstreamFixture(dir: string, clips = 200, seed = 3): Promise<DownstreamFixture> {
  const dataDir = join(dir, 'data');
  const info = await generateBenchmark({ outDir: dataDir, clips, seed, noise: 0.4, humanFrac: 0.05, heldoutFrac: 0.2 });
  const framesRun = await extractFrames({
    manifest: info.manifestPath,
    mediaRoot: dataDir,
    cacheDir: join(dir, 'cache'),
    reporter: new JsonReporter(pino({ level: 'silent' })),
  });
  const all = await readManifestClips(info.manifestPath);
  const truth = await readTruthFile(info.truthPath);
  return {
    dataDir,
    manifest: info.manifestPath,
    truthPath: info.truthPath,
    clips: all,
    truth,
    heldout: heldoutSet(all, truth, info.truthPath),
    framesRun,
    frames: await frameRunSource(framesRun),
  };
}
