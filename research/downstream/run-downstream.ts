/**
 * `flywheel downstream` as a function: loads the datasets named on the command line (round
 * exports and raw manifests), the held-out set and its truth, the frames (a job's frames run, or
 * extracted into a cache), adds the truth-caption upper bound, runs {@link evaluateDownstream}
 * and writes the JSON result atomically when asked. Every input is checked before training starts.
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeAtomic } from '../../pipeline/parquet-file.js';
import type { RunReporter } from '../../pipeline/reporter.js';
import { type DownstreamOptions, evaluateDownstream } from './evaluate.js';
import { extractFrames } from './extract-frames.js';
import { frameRunSource } from './frames.js';
import {
  heldoutSet,
  rawDataset,
  readExportDataset,
  readManifestClips,
  narratedBoundDataset,
  readTruthFile,
  upperBoundDataset,
  withWrongRows,
} from './datasets.js';
import { DEFAULT_QUERIES, type QueryWording } from './wordings.js';
import type { DownstreamDataset, DownstreamResult } from './types.js';

const UPPER_BOUND_WORDING: Readonly<Record<QueryWording, string>> = {
  canonical: 'truth captions',
  narrated: "the people's words (the narrated bound's rows)",
  both: 'both wordings (a truth caption and a narration per clip)',
};

const heldin = (clips: readonly { split: string | null }[]): number =>
  clips.filter((c) => c.split !== 'heldout').length;

/** A dataset argument: `path` or `name=path`. */
export interface DatasetSpec {
  readonly name?: string;
  readonly path: string;
}

/** Parses `name=path` (a name is letters, digits, `.`, `_` or `-`) or a bare path. */
export function parseDatasetSpec(arg: string): DatasetSpec {
  const m = /^([A-Za-z0-9._-]+)=(.+)$/.exec(arg);
  return m ? { name: m[1], path: m[2] } : { path: arg };
}

/** Options of {@link runDownstream}. */
export interface RunDownstreamOptions extends Omit<
  DownstreamOptions,
  'datasets' | 'heldout' | 'frames' | 'knownClips'
> {
  readonly datasets: readonly DatasetSpec[];
  /** Manifest with the held-out clips; default the first raw manifest among the datasets. */
  readonly manifest?: string;
  /** Truth sidecar (`truth.parquet`): the held-out queries, the QA questions and the upper bound. */
  readonly truth: string;
  /** Add the upper bound (truth captions of the manifest's non-held-out clips). Default true. */
  readonly withUpperBound?: boolean;
  /** Add the upper bound again with these fractions of its rows made wrong (`withWrongRows`): the probe's resolution. */
  readonly wrongBound?: readonly number[];
  /** Add the narrated bound (the same truth in the people's words, `narratedBoundDataset`). Default false. */
  readonly withNarratedBound?: boolean;
  /** A refine job directory or frames run to take frames from; default: extract them. */
  readonly frames?: string;
  /** Where extracted frames are cached (resumable). Default `runs/downstream`. */
  readonly cacheDir?: string;
  /** Videos' root for extraction. Default the manifest's directory. */
  readonly mediaRoot?: string;
  /** Frames per clip and frame side when extracting. Defaults 4 and 32. */
  readonly frameCount?: number;
  readonly frameSize?: number;
  /** Write the result as JSON here (temp + rename). */
  readonly out?: string;
  readonly reporter?: RunReporter;
}

/** What was compared and what came out, with notes on how the datasets were read. */
export interface RunDownstreamResult {
  readonly result: DownstreamResult;
  readonly notes: readonly string[];
  /** The frames run the probe read. */
  readonly framesRun: string;
}

const distinct = (d: DownstreamDataset): number => new Set(d.rows.map((r) => r.caption)).size;
const meanWeight = (d: DownstreamDataset): string =>
  (d.rows.reduce((a, r) => a + r.weight, 0) / Math.max(1, d.rows.length)).toFixed(2);

/** Runs a comparison from files. */
export async function runDownstream(o: RunDownstreamOptions): Promise<RunDownstreamResult> {
  if (o.datasets.length === 0)
    throw new Error('downstream: name at least one dataset (a refine export directory or a manifest file)');
  const notes: string[] = [];
  const datasets: DownstreamDataset[] = [];
  let manifest = o.manifest ? resolve(o.manifest) : undefined;
  const manifests = new Map<string, Awaited<ReturnType<typeof readManifestClips>>>();
  const clipsOf = async (path: string) => {
    const have = manifests.get(path);
    if (have) return have;
    const clips = await readManifestClips(path);
    manifests.set(path, clips);
    return clips;
  };
  for (const spec of o.datasets) {
    const path = resolve(spec.path);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new Error(`downstream: dataset ${spec.path} does not exist`);
    }
    if (isDir) {
      const d = await readExportDataset(path, spec.name);
      datasets.push(d);
      notes.push(
        `${d.name}: ${d.rows.length} rows (${distinct(d)} distinct captions, mean weight ${meanWeight(d)}) from ${path} (${Object.entries(
          d.bySource,
        )
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')})`,
      );
    } else {
      const { dataset, emptyText } = rawDataset(await clipsOf(path), path, spec.name);
      manifest ??= path;
      datasets.push(dataset);
      notes.push(
        `${dataset.name}: ${dataset.rows.length} transcripts (${distinct(dataset)} distinct) from ${path}${emptyText ? ` (${emptyText} clips with an empty transcript left out)` : ''}`,
      );
    }
  }
  if (!manifest)
    throw new Error(
      'downstream: no manifest among the datasets; give --manifest (the clips the exports came from) for the held-out clips',
    );
  const clips = await clipsOf(manifest);
  const truthPath = resolve(o.truth);
  const truth = await readTruthFile(truthPath);
  const heldout = heldoutSet(clips, truth, truthPath);
  if (o.withUpperBound ?? true) {
    const wording = o.queries ?? DEFAULT_QUERIES;
    const ub = upperBoundDataset(clips, truth, truthPath, 'upper-bound', wording);
    datasets.push(ub);
    notes.push(
      `${ub.name}: the truth of the ${heldin(clips)} non-held-out clips of ${manifest} in ${UPPER_BOUND_WORDING[wording]} (${ub.rows.length} rows, ${distinct(ub)} distinct)`,
    );
    for (const f of o.wrongBound ?? []) {
      const w = withWrongRows(ub, truth, f);
      datasets.push(w);
      notes.push(
        `${w.name}: the upper bound with ${Math.round(f * ub.rows.length)} rows (${(100 * f).toFixed(0)} %) made wrong`,
      );
    }
  } else if (o.wrongBound?.length) {
    throw new Error('downstream: --wrong-bound needs the upper bound (drop --no-upper-bound)');
  }
  if (o.withNarratedBound) {
    const nb = narratedBoundDataset(clips, truth, truthPath);
    datasets.push(nb);
    notes.push(
      `${nb.name}: the truth in the people's words (${distinct(nb)} distinct): clean transcripts as they are, the others narrated from their truth, for the ${nb.rows.length} non-held-out clips of ${manifest}`,
    );
  }

  let framesRun: string;
  if (o.frames) framesRun = resolve(o.frames);
  else {
    framesRun = await extractFrames({
      manifest,
      mediaRoot: resolve(o.mediaRoot ?? dirname(manifest)),
      cacheDir: resolve(o.cacheDir ?? 'runs/downstream'),
      ...(o.frameCount !== undefined ? { count: o.frameCount } : {}),
      ...(o.frameSize !== undefined ? { size: o.frameSize } : {}),
      ...(o.reporter ? { reporter: o.reporter } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  }
  const source = await frameRunSource(framesRun);
  const {
    datasets: _d,
    manifest: _m,
    truth: _t,
    withUpperBound: _w,
    withNarratedBound: _nb,
    wrongBound: _wb,
    frames: _f,
    cacheDir: _c,
    mediaRoot: _r,
    frameCount: _n,
    frameSize: _s,
    out,
    reporter: _rep,
    ...evalOpts
  } = o;
  const result = await evaluateDownstream({
    ...evalOpts,
    datasets,
    heldout,
    frames: source,
    knownClips: new Set(clips.map((c) => c.clip_id)),
  });
  if (out)
    await writeAtomic(
      resolve(out),
      `${JSON.stringify({ ...result, notes, frames_run: source.description }, null, 2)}\n`,
    );
  return { result, notes, framesRun: source.description };
}
