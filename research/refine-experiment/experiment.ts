/**
 * The refine experiment: the whole flywheel on generated benchmarks at several noise levels and
 * seeds, with AdaTaiLr (the refine defaults) and with the ablation — MLE and keep-all, γ = 0 — run
 * in the same loop on the same data. What it measures is the dataset each round exports (content
 * accuracy, CIDEr-D, vocabulary, distinct-2, kept share) beside the raw input and the raw rows
 * whose transcript is clean. Research code: it makes its own data, so it may call the generator.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { carriesTagline } from '../benchmark/asr.js';
import { generateBenchmark } from '../benchmark/generate.js';
import type { RunReporter } from '../../pipeline/reporter.js';
import { demoConfig } from '../../jobs/demo/demo-config.js';
import { parseRefineConfig, type RefineConfig } from '../../config/refine.js';
import type { Trinity } from '../../jobs/refine/dataset-metrics.js';
import { runRefine } from '../../jobs/refine/run-refine.js';
import { TRUTH_FILE } from '../../schemas/truth.js';
import { benchmarkRefineOptions } from '../refine-hooks.js';
import { loadAuditRound } from './choice-audit-load.js';
import { wordingCheck } from './wording.js';
import type { BigramShare } from './bigram-sources.js';

/** A loop variant compared in the experiment. */
export interface LoopMethod {
  readonly name: string;
  /** Changes to the demo's refine config (objects deep-merged; a `kind`-tagged object replaces the old one whole). */
  readonly overrides: Record<string, unknown>;
}

/** The two loops the issue compares: the product default, and no noise control at all. */
export const DEFAULT_METHODS: readonly LoopMethod[] = [
  { name: 'adatailr', overrides: {} },
  {
    name: 'mle+keep-all',
    overrides: {
      train: { loss: { kind: 'mle' } },
      adatailr: { policy: { kind: 'keep-all' }, gamma: 0, drop_implausible: false },
    },
  },
];

/** Settings of one experiment. */
export interface RefineExperimentSettings {
  readonly noise: readonly number[];
  readonly seeds: readonly number[];
  readonly clips: number;
  readonly rounds: number;
  readonly methods: readonly LoopMethod[];
  /** Pre-training epochs of every captioner (default: the demo's). */
  readonly pretrainEpochs?: number;
  /** Refine config overrides applied to every loop before the method's (e.g. `{ folds: 4 }`). */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** Working directory (datasets and jobs); kept unless `cleanup`. */
  readonly dir: string;
  readonly cleanup?: boolean;
}

/** The dataset figures of one round (or of the raw input). */
export interface DatasetPoint {
  readonly contentAccuracy: number;
  readonly ciderD: number;
  readonly vocabulary: number;
  readonly distinct2: number;
  readonly keptShare: number;
}

/** One loop's result on one dataset. */
export interface LoopRun {
  readonly noise: number;
  readonly seed: number;
  readonly method: string;
  readonly raw: DatasetPoint;
  readonly rawClean: DatasetPoint;
  readonly rounds: DatasetPoint[];
  /**
   * Per round, the round's captioner's own content accuracy (the model's, not the dataset's; absent
   * in reports made before it was recorded).
   */
  readonly captioner?: CaptionerFit[];
  /**
   * Per round, the content accuracy of the round's own choice for the held-out clips (no round trains
   * on them) and of their raw transcripts: how well the held-out check estimates the exported rows'
   * (absent in reports made before it was recorded).
   */
  readonly heldoutRows?: HeldoutRowsPoint[];
  /** The final export's wording at equal size and a perfect export's (absent in reports made before it was recorded). */
  readonly finalWording?: WordingPoint;
  /**
   * The loop's rounds' time as each round recorded it when it ran (caption and score, train, eval), so a
   * resumed loop reports the time it took, not the seconds spent reading it back.
   */
  readonly seconds: number;
}

/**
 * Distinct-2 falls as a set of captions grows, so the final export (~all train clips) and the clean raw
 * rows (a share of them) compare at different sizes. These put the comparison at equal size, and give
 * the pooled figure a perfect export scores (clean narration of every clip).
 */
export interface WordingPoint {
  /** The final export's distinct-2 on seeded samples as large as the clean raw rows. */
  readonly distinct2AtCleanSize: number;
  /** Distinct-2 of a perfect export: clean transcripts as they are, the others narrated from the truth. */
  readonly perfectDistinct2: number;
  /** On the kept clips whose transcript is clean: their exported captions' distinct-2 over their transcripts' (absent in older reports). */
  readonly cleanClipsRatio?: number;
  /** Where the final export's bigrams come from, by kept source and clean or noisy transcript (absent in older reports). */
  readonly bigramSources?: readonly BigramShare[];
  /** Final export rows whose caption carries a title's tagline ("| Learn Shapes"; absent in older reports). */
  readonly taglineRows?: number;
}

/** The round's choice for the held-out clips, and their raw transcripts: content accuracy (NaN where not measured). */
export interface HeldoutRowsPoint {
  readonly chosen: number;
  readonly rawAsr: number;
}

/** A round's captioner: content accuracy of its held-out captions, and from the frames alone on held-out clips and on clips it trained on. */
export interface CaptionerFit {
  readonly heldout: number;
  readonly framesHeldout: number;
  readonly framesTrain: number;
}

/** Everything an experiment produced (what `--out` writes and `--from` reads). */
export interface RefineExperimentReport {
  readonly kind: 'flywheel-refine-experiment/1';
  readonly settings: Omit<RefineExperimentSettings, 'dir' | 'cleanup'>;
  readonly runs: LoopRun[];
}

function point(t: Trinity, keptShare: number): DatasetPoint {
  return {
    contentAccuracy: t.quality?.contentAccuracy ?? Number.NaN,
    ciderD: t.quality?.ciderD ?? Number.NaN,
    vocabulary: t.diversity.vocabulary,
    distinct2: t.diversity.distinct2,
    keptShare,
  };
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    // null takes a field out, so an option the demo sets can be turned off (e.g. judge.init=null)
    if (v === null) {
      delete out[k];
      continue;
    }
    const prev = a[k];
    const replace = !v || typeof v !== 'object' || Array.isArray(v) || 'kind' in v || !prev || typeof prev !== 'object';
    out[k] = replace ? v : merge(prev as Record<string, unknown>, v as Record<string, unknown>);
  }
  return out;
}

/** The refine config of one loop: the demo's, with the method's overrides. */
export function loopConfig(
  dataDir: string,
  jobDir: string,
  seed: number,
  rounds: number,
  method: LoopMethod,
  pretrainEpochs?: number,
  overrides: Readonly<Record<string, unknown>> = {},
): RefineConfig {
  const base = demoConfig(dataDir, jobDir, { seed, rounds });
  const sized = pretrainEpochs === undefined ? base : merge(base, { train: { pretrain: { epochs: pretrainEpochs } } });
  return parseRefineConfig(merge(merge(sized, overrides), method.overrides));
}

/** Runs every (noise, seed, method) loop; `onRun` sees each result as it lands. */
export async function runRefineExperiment(
  s: RefineExperimentSettings,
  opts: { log: Logger; reporter: () => RunReporter; onRun?: (r: LoopRun) => void; signal?: AbortSignal },
): Promise<RefineExperimentReport> {
  // every loop's config is checked before any data is generated: a bad override fails at once
  for (const method of s.methods) {
    try {
      loopConfig(s.dir, s.dir, s.seeds[0] ?? 0, s.rounds, method, s.pretrainEpochs, s.overrides);
    } catch (e) {
      throw new Error(
        `refine experiment: the ${method.name} loop's config is invalid with these settings: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
  }
  const runs: LoopRun[] = [];
  await mkdir(s.dir, { recursive: true });
  for (const noise of s.noise) {
    for (const seed of s.seeds) {
      const dataDir = join(s.dir, `data-n${Math.round(noise * 100)}-s${seed}`);
      await generateBenchmark({ outDir: dataDir, clips: s.clips, seed, noise, humanFrac: 0.1, heldoutFrac: 0.15 });
      for (const method of s.methods) {
        opts.signal?.throwIfAborted();
        const jobDir = join(
          s.dir,
          `job-n${Math.round(noise * 100)}-s${seed}-${method.name.replace(/[^a-z0-9+_-]/gi, '_')}`,
        );
        const r = await runRefine(loopConfig(dataDir, jobDir, seed, s.rounds, method, s.pretrainEpochs, s.overrides), {
          ...benchmarkRefineOptions,
          log: opts.log,
          reporter: opts.reporter,
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        const first = r.rounds[0];
        const seconds = r.rounds.reduce((t, x) => t + x.seconds.captionAndScore + x.seconds.train + x.seconds.eval, 0);
        if (!first || !first.rawClean) throw new Error(`refine experiment: ${jobDir} has no round metrics with truth`);
        const audit = await loadAuditRound(jobDir, r.rounds.length - 1, join(dataDir, TRUTH_FILE));
        const w = wordingCheck(audit);
        const run: LoopRun = {
          noise,
          seed,
          method: method.name,
          raw: point(first.raw, 1),
          rawClean: point(first.rawClean, first.rawClean.quantity.rows / Math.max(1, first.raw.quantity.rows)),
          rounds: r.rounds.map((x) => point(x.dataset, x.keptShare)),
          captioner: r.rounds.map((x) => ({
            heldout: x.modelContent?.accuracy ?? Number.NaN,
            framesHeldout: x.modelFit?.heldout ?? Number.NaN,
            framesTrain: x.modelFit?.train ?? Number.NaN,
          })),
          heldoutRows: r.rounds.map((x) => ({
            chosen: x.heldoutRows?.content?.chosen ?? Number.NaN,
            rawAsr: x.heldoutRows?.content?.rawAsr ?? Number.NaN,
          })),
          finalWording: {
            distinct2AtCleanSize: w.keptDistinct2AtCleanSize,
            perfectDistinct2: w.perfectDistinct2,
            cleanClipsRatio: w.cleanClipsRatio,
            bigramSources: w.bigramSources,
            taglineRows: audit.kept.filter(carriesTagline).length,
          },
          seconds,
        };
        runs.push(run);
        opts.onRun?.(run);
        if (s.cleanup) await rm(jobDir, { recursive: true, force: true });
      }
      if (s.cleanup) await rm(dataDir, { recursive: true, force: true });
    }
  }
  const { dir: _d, cleanup: _c, ...settings } = s;
  return { kind: 'flywheel-refine-experiment/1', settings, runs };
}
