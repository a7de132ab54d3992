/**
 * A benchmark directory on disk: the names of its files, its `dataset.json` description, and the
 * check that a rebuild only ever deletes what the generator wrote.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NoiseKind } from './asr.js';
import type { BenchmarkOptions } from './options.js';

/** Manifest file name inside a benchmark directory. */
export const MANIFEST_FILE = 'clips.parquet';
/** Dataset description file name inside a benchmark directory. */
export const DATASET_FILE = 'dataset.json';
/** Video folder name inside a benchmark directory. */
export const VIDEOS_DIR = 'videos';

/** Counts of what was generated. */
export interface BenchmarkCounts {
  clips: number;
  train: number;
  human: number;
  heldout: number;
  /** Clips whose ASR transcript is corrupted. */
  corrupted: number;
  /** Corrupted clips per noise kind (a clip may count under two kinds). */
  noiseKinds: Record<NoiseKind, number>;
  titleCorrupted: number;
  videos: number;
  totalDurationS: number;
}

/** Contents of `dataset.json`. */
export interface DatasetDescription {
  generator: 'flywheel-datagen';
  generatorVersion: number;
  /** Options that define the dataset (everything except outDir and concurrency). */
  params: Omit<BenchmarkOptions, 'outDir' | 'concurrency'>;
  counts: BenchmarkCounts;
  files: { manifest: string; truth: string; videos: string };
}

/** Names the generator writes at a benchmark directory's top level (and their temp files). */
const OWN_ENTRY = /^(clips\.parquet|truth\.parquet|dataset\.json|videos)(\.tmp-\d+)?$/;
/** Video file names the generator writes (and their temp files). */
const OWN_VIDEO = /^v\d{5,}\.mp4(\.tmp-\d+)?$/;

/**
 * Refuses to rebuild into a directory holding files the generator did not write, so a
 * mistyped `--out` never deletes someone's data. Missing or empty directories are fine.
 */
export async function assertRebuildable(dir: string): Promise<void> {
  const list = async (d: string): Promise<string[]> =>
    readdir(d).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
  const foreign = (await list(dir)).filter((f) => !OWN_ENTRY.test(f));
  foreign.push(
    ...(await list(join(dir, VIDEOS_DIR))).filter((f) => !OWN_VIDEO.test(f)).map((f) => `${VIDEOS_DIR}/${f}`),
  );
  if (foreign.length > 0) {
    throw new Error(
      `refusing to (re)build a benchmark in ${dir}: it holds files the generator did not write (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}); choose an empty or new --out directory`,
    );
  }
}

/** Reads `dataset.json` of a directory, or null when absent/unreadable. */
export async function readDatasetDescription(dir: string): Promise<DatasetDescription | null> {
  try {
    return JSON.parse(await readFile(join(dir, DATASET_FILE), 'utf8')) as DatasetDescription;
  } catch {
    return null;
  }
}
