/**
 * `evaluateDownstream`: does a dataset train a better video-language model? Trains the same
 * retrieval probe (same steps, batch size, seeds, initial weights, tokenizer and frames) on each
 * dataset and scores zero-shot text↔video retrieval and multiple-choice QA on the held-out clips
 * with their truth as queries, in the canonical wording and in the people's (`query-wording.ts`).
 * The API the refine job calls per round; the CLI (`flywheel downstream`) loads datasets from files
 * and calls it too.
 */
import { Device } from '../../models/device.js';
import { makeProbeConfig, type ProbeSize } from '../../models/probe/config.js';
import { ProbeRuntime } from '../../models/probe/runtime.js';
import { CaptionTokenizer } from '../../models/tokenizer.js';
import { threadPool } from '../../pipeline/thread-pool.js';
import { type FrameSource, loadFrames } from './frames.js';
import { QA_KINDS } from './qa.js';
import { heldoutTexts } from './query-wording.js';
import { DEFAULT_QUERIES, type QueryWording, scoredWordings } from './wordings.js';
import { prepareHeldout } from './score-probe.js';
import { type ProbeRunResult, runProbe } from './probe-run.js';
import type { ProbeThreadTask } from './probe-thread.js';
import { chanceVector, meanVector, summarize } from './summary.js';
import type { ProbeExample } from './train-probe.js';
import type { DownstreamDataset, DownstreamResult, DownstreamRun, HeldoutClip } from './types.js';
import { checkFrames, validateInputs } from './validate.js';

/** Options of {@link evaluateDownstream}. Defaults run a 4-dataset × 3-seed comparison in about a minute on 2 CPU cores. */
export interface DownstreamOptions {
  /** The datasets to compare (never held-out clips). */
  readonly datasets: readonly DownstreamDataset[];
  /** The held-out clips with their truth captions and attributes (≥ 20). */
  readonly heldout: readonly HeldoutClip[];
  /** Frames of every dataset clip and held-out clip (e.g. `frameRunSource(jobDir)`). */
  readonly frames: FrameSource;
  /** Seeds, or how many (1..n). Default 3. */
  readonly seeds?: number | readonly number[];
  /** Training steps per probe. Default 300. */
  readonly steps?: number;
  /** Rows per batch. Default 32. */
  readonly batch?: number;
  /** Base learning rate. Default 2e-3. */
  readonly lr?: number;
  /** ONNX Runtime threads per op; fixed so runs are reproducible. Default 1. */
  readonly threads?: number;
  /** Honour row weights (an export's `quality_weight`). Default true. */
  readonly weighted?: boolean;
  /**
   * The held-out queries' and answer options' wording: the truth captions (`canonical`), the truth in
   * the people's words (`narrated`), or both scored and averaged (`both`, the default), so that a
   * dataset is not rewarded for copying the canonical wording.
   */
  readonly queries?: QueryWording;
  /** Tokenizer vocabulary bound when the tokenizer is trained here. Default 512. */
  readonly vocabSize?: number;
  /**
   * A fixed tokenizer (e.g. a refine job's `tokenizer.json`), so results of separate calls (one per
   * round) are comparable. Default: one trained on this call's datasets' captions, the upper bound's
   * excepted (never held-out text, never truth).
   */
  readonly tokenizer?: CaptionTokenizer;
  /** Probe size overrides (see `PROBE_DEFAULTS`). */
  readonly probe?: Partial<ProbeSize>;
  /** Dataset the gap is measured from. Default the one named `raw`, if any. */
  readonly baseline?: string;
  /** Dataset the gap is measured to. Default the one named `upper-bound`, if any. */
  readonly upperBound?: string;
  /** The manifest's clip ids: a dataset row outside them is an error. */
  readonly knownClips?: ReadonlySet<string>;
  /** Fewest held-out clips accepted. Default 20. */
  readonly minHeldout?: number;
  /** Session factory settings; default CPU with `threads` intra-op threads. */
  readonly device?: Device;
  /**
   * Worker threads training the runs side by side, each with `threads` ONNX Runtime threads (not
   * with `device`). The runs are the same as one after another in this thread. Default 1.
   */
  readonly workers?: number;
  /**
   * Train in worker threads even with one worker, so the calling thread stays free for other work
   * (a refine round's captioner training beside it). Default false: one worker trains here.
   */
  readonly inWorkers?: boolean;
  /** Called after each trained probe. */
  readonly onRun?: (run: DownstreamRun, done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`downstream: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function seedList(s: number | readonly number[] | undefined): number[] {
  if (s === undefined) return [1, 2, 3];
  if (typeof s === 'number') return Array.from({ length: positiveInt('seeds', s) }, (_, i) => i + 1);
  if (s.length === 0 || s.some((x) => !Number.isInteger(x) || x < 0))
    throw new Error(`downstream: seeds must be non-negative integers, got ${JSON.stringify(s)}`);
  return [...s];
}

/** Trains the probe on every dataset with every seed and scores it on the held-out clips. Writes nothing. */
export async function evaluateDownstream(o: DownstreamOptions): Promise<DownstreamResult> {
  const t0 = performance.now();
  const seeds = seedList(o.seeds);
  const steps = positiveInt('steps', o.steps ?? 300);
  const batch = positiveInt('batch', o.batch ?? 32);
  const threads = o.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 0)
    throw new Error(`downstream: threads must be a non-negative integer, got ${threads}`);
  const lr = o.lr ?? 2e-3;
  if (!(lr > 0 && Number.isFinite(lr))) throw new Error(`downstream: lr must be a positive number, got ${lr}`);
  if (batch < 2) throw new Error(`downstream: batch must be ≥ 2 (in-batch negatives), got ${batch}`);
  const weighted = o.weighted ?? true;
  const names = new Set(o.datasets.map((d) => d.name));
  const baseline = o.baseline ?? (names.has('raw') ? 'raw' : null);
  const upperBound = o.upperBound ?? (names.has('upper-bound') ? 'upper-bound' : null);
  validateInputs({
    datasets: o.datasets,
    heldout: o.heldout,
    ...(o.knownClips ? { knownClips: o.knownClips } : {}),
    ...(o.minHeldout !== undefined ? { minHeldout: o.minHeldout } : {}),
    baseline,
    upperBound,
  });

  // frames: one source and geometry for every clip, checked before anything trains
  const allIds = [...o.heldout.map((h) => h.clip_id), ...o.datasets.flatMap((d) => d.rows.map((r) => r.clip_id))];
  const { frames, missing } = await loadFrames(o.frames, allIds);
  checkFrames(o.datasets, o.heldout, missing, o.frames.description);

  // one tokenizer for the whole comparison, from the judged datasets' training text: never held-out
  // text, and not the upper bound's truth captions (truth trains nothing but the upper bound itself)
  const judged = o.datasets.filter((d) => d.name !== upperBound);
  const corpus = (judged.length ? judged : o.datasets).flatMap((d) => d.rows.map((r) => r.caption));
  const tok = o.tokenizer ?? CaptionTokenizer.train(corpus, { vocabSize: o.vocabSize ?? 512 });
  const cfg = makeProbeConfig({ count: frames.count, size: frames.size }, tok.vocabSize, o.probe);
  const queries = o.queries ?? DEFAULT_QUERIES;
  const wordings = scoredWordings(queries);
  const held = await Promise.all(
    wordings.map(async (w) => {
      const texts = heldoutTexts(o.heldout, w);
      const clips = texts.queries.map((q) => ({
        clipId: q.clipId,
        frames: frames.byClip.get(q.clipId)!,
        truthCaption: q.text,
      }));
      return prepareHeldout(tok, clips, texts.questions);
    }),
  );
  const questions = held[0].questions;
  const examples = new Map<string, ProbeExample[]>();
  for (const d of o.datasets) {
    const ids = await tok.encodeBatch(d.rows.map((r) => r.caption));
    examples.set(
      d.name,
      d.rows.map((r, i) => ({ frames: frames.byClip.get(r.clip_id)!, ids: ids[i], weight: weighted ? r.weight : 1 })),
    );
  }

  // every (seed, dataset) run, seeds outer: the order of the result's runs however they are trained
  const tasks = seeds.flatMap((seed) =>
    o.datasets.map((d) => ({
      dataset: d.name,
      run: { examples: examples.get(d.name)!, seed, steps, batch, lr, held },
    })),
  );
  const runs: DownstreamRun[] = [];
  let done = 0;
  const record = (i: number, r: ProbeRunResult): void => {
    const run: DownstreamRun = {
      dataset: tasks[i].dataset,
      seed: tasks[i].run.seed,
      metrics: meanVector(r.scored),
      ...(r.scored.length > 1
        ? { byWording: Object.fromEntries(wordings.map((w, k) => [w, r.scored[k]])) as DownstreamRun['byWording'] }
        : {}),
      lossCurve: r.lossCurve,
      finalLogitScale: r.finalScale,
      seconds: r.seconds,
    };
    runs[i] = run;
    o.onRun?.(run, ++done, tasks.length);
  };
  const workers = Math.min(o.workers ?? 1, tasks.length);
  let provider = 'cpu';
  if ((workers > 1 || o.inWorkers === true) && !o.device) {
    // each worker trains whole runs on its own runtime: the same runs as one after another here
    const pool = threadPool<ProbeThreadTask, ProbeRunResult>(new URL('./probe-thread.ts', import.meta.url), workers);
    try {
      const signal = o.signal ? { signal: o.signal } : {};
      await Promise.all(
        tasks.map(async (t, i) => record(i, await pool.run({ ...t.run, config: cfg, threads }, signal))),
      );
    } finally {
      await pool.destroy();
    }
  } else {
    const runtime = await ProbeRuntime.open(
      cfg,
      o.device ?? new Device({ providers: ['cpu'], intraOpThreads: threads, interOpThreads: 1 }),
    );
    provider = runtime.provider;
    try {
      for (const [i, t] of tasks.entries()) record(i, await runProbe(runtime, t.run, o.signal));
    } finally {
      await runtime.release();
    }
  }
  const kinds = QA_KINDS.filter((k) => questions.some((q) => q.kind === k));
  return {
    format: 'flywheel-downstream/1',
    settings: {
      seeds,
      steps,
      batch,
      lr,
      threads,
      weighted,
      queries,
      vocabSize: tok.vocabSize,
      probe: {
        dModel: cfg.dModel,
        textLayers: cfg.textLayers,
        frames: cfg.frames,
        frameSize: cfg.frameSize,
        patch: cfg.patch,
        maxTextLen: cfg.maxTextLen,
      },
    },
    heldout: { clips: o.heldout.length, questions: questions.length },
    chance: chanceVector(o.heldout.length, kinds),
    baseline,
    upperBound,
    datasets: summarize(o.datasets, runs, baseline, upperBound),
    runs,
    provider,
    seconds: (performance.now() - t0) / 1000,
  };
}
