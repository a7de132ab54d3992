/**
 * `npm run bench -- refine [--clips 1000] [--rounds 1] [--seed 7] [--threads 0] [--workers 0] [--pretrain-epochs N]
 * [--max-steps N] [--frame-cache-mb N] [--data-dir DIR] [--json FILE] [--log]`: one refine job of the demo configuration (`flywheel demo`'s
 * data and config) from a fresh job directory, and where its time goes — wall time per phase (job
 * setup and frames, bootstrap, each round's judges, candidates + choice, pre-training, fine-tuning
 * and evaluation), split into ONNX Runtime, JavaScript and waiting; clips/s; peak RSS.
 * The benchmark data is generated once per size and seed under DIR (default a temp folder) and
 * reused, outside the timing. `--json` writes the measure (what `scale.ts` reads from its children).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import pino, { type Logger } from 'pino';
import { demoConfig } from '../../jobs/demo/demo-config.js';
import { DEMO_DATA } from '../demo/run-demo.js';
import { DEMO_CLIPS } from '../../jobs/demo/demo-size.js';
import { runRefine } from '../../jobs/refine/run-refine.js';
import { ortClock } from '../../models/ort-clock.js';
import { workerCount } from '../../pipeline/thread-pool.js';
import type { RunReporter } from '../../pipeline/reporter.js';
import { generateBenchmark } from '../benchmark/generate.js';
import { benchmarkRefineOptions } from '../refine-hooks.js';
import { formatRefineReport, type RefineMeasure } from './refine-report.js';
import { type ClockReading, PhaseTimeline, type RefineEvent } from './refine-timeline.js';

/** What to run. */
export interface RefineBenchOptions {
  readonly clips: number;
  readonly rounds: number;
  readonly seed: number;
  /** ONNX Runtime intra-op threads (0 = all cores, the demo's setting). */
  readonly threads: number;
  /** Worker threads for the judges and probe runs (`device.workers`; 0 = one per core, the demo's setting). */
  readonly workers: number;
  /** Overrides the demo's pre-training epochs (to fit a large size in a shorter run). */
  readonly pretrainEpochs?: number;
  /** The captioner's pre-training and each judge stop after this many steps (`max_steps`; absent = every epoch). */
  readonly maxSteps?: number;
  /** MiB of decoded frames each training thread keeps (`device.frame_cache_mb`; absent = the default). */
  readonly frameCacheMb?: number;
  /** Where generated data is cached. */
  readonly dataDir: string;
  /** Copies the job's log lines to stderr. */
  readonly log: boolean;
}

/** The command line's options (the defaults are the demo's). */
export function parseRefineArgs(args: readonly string[]): RefineBenchOptions & { json?: string } {
  const { values } = parseArgs({
    args: [...args],
    options: {
      clips: { type: 'string', default: String(DEMO_CLIPS) },
      rounds: { type: 'string', default: '1' },
      seed: { type: 'string', default: '7' },
      threads: { type: 'string', default: '0' },
      workers: { type: 'string', default: '0' },
      'pretrain-epochs': { type: 'string' },
      'max-steps': { type: 'string' },
      'frame-cache-mb': { type: 'string' },
      'data-dir': { type: 'string', default: join(tmpdir(), 'flywheel-bench-data') },
      json: { type: 'string' },
      log: { type: 'boolean', default: false },
      sizes: { type: 'string' }, // scale.ts's; ignored here
    },
  });
  const int = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`bench refine: --${name} must be a non-negative integer, got ${v}`);
    return n;
  };
  const positive = (name: string, v: string): number => {
    const n = int(name, v);
    if (n < 1) throw new Error(`bench refine: --${name} must be at least 1, got ${v}`);
    return n;
  };
  return {
    clips: int('clips', values.clips),
    rounds: int('rounds', values.rounds),
    seed: int('seed', values.seed),
    threads: int('threads', values.threads),
    workers: int('workers', values.workers),
    ...(values['pretrain-epochs'] !== undefined
      ? { pretrainEpochs: int('pretrain-epochs', values['pretrain-epochs']) }
      : {}),
    ...(values['max-steps'] !== undefined ? { maxSteps: positive('max-steps', values['max-steps']) } : {}),
    ...(values['frame-cache-mb'] !== undefined
      ? { frameCacheMb: positive('frame-cache-mb', values['frame-cache-mb']) }
      : {}),
    dataDir: values['data-dir'],
    log: values.log,
    ...(values.json !== undefined ? { json: values.json } : {}),
  };
}

/** Generates (or reuses) the demo's benchmark at a size; returns its folder and the seconds it took. */
export async function benchData(o: Pick<RefineBenchOptions, 'clips' | 'seed' | 'dataDir'>): Promise<{
  dir: string;
  seconds: number;
  reused: boolean;
}> {
  const dir = join(o.dataDir, `demo-${o.clips}-seed-${o.seed}`);
  const t0 = performance.now();
  const info = await generateBenchmark({ outDir: dir, clips: o.clips, seed: o.seed, ...DEMO_DATA });
  return { dir, seconds: (performance.now() - t0) / 1000, reused: info.reused };
}

const reading = (): ClockReading => ({
  at: performance.now(),
  activeMs: performance.eventLoopUtilization().active,
  ort: ortClock.read(),
  peakRssMb: process.resourceUsage().maxRSS / 1024,
});

/** A reporter that tells the timeline when each engine run is planned and finished. */
function timelineReporter(log: Logger, record: (e: RefineEvent) => void): RunReporter {
  return {
    log,
    planned: (meta) => record({ kind: 'planned', stages: meta.stages.map((s) => s.name), round: meta.round }),
    progress: () => {},
    shardFinished: () => {},
    finished: (summary) => record({ kind: 'finished', stages: summary.stages }),
    close: () => {},
  };
}

/** Runs the refine job once in a fresh job folder (data generated beforehand, outside the timing) and measures it. */
export async function measureRefine(o: RefineBenchOptions): Promise<RefineMeasure> {
  const data = await benchData(o);
  const jobDir = await mkdtemp(join(tmpdir(), 'flywheel-bench-refine-'));
  const base = demoConfig(data.dir, jobDir, { rounds: o.rounds, seed: o.seed });
  const budget = o.maxSteps !== undefined ? { max_steps: o.maxSteps } : {};
  const config = {
    ...base,
    device: {
      ...base.device,
      threads: o.threads,
      workers: o.workers,
      ...(o.frameCacheMb !== undefined ? { frame_cache_mb: o.frameCacheMb } : {}),
    },
    train: {
      ...base.train,
      pretrain: { ...base.train.pretrain, epochs: o.pretrainEpochs ?? base.train.pretrain.epochs, ...budget },
    },
    judge: { ...base.judge, ...budget },
  };
  ortClock.enable();
  const timeline = new PhaseTimeline(reading());
  const record = (e: RefineEvent): void => timeline.record(e, reading());
  const log = pino(
    { level: 'info' },
    {
      write(line: string): void {
        const fields = JSON.parse(line) as Record<string, unknown>;
        record({ kind: 'log', msg: typeof fields.msg === 'string' ? fields.msg : '', fields });
        if (o.log) process.stderr.write(line);
      },
    },
  );
  try {
    await runRefine(config, {
      ...benchmarkRefineOptions,
      log,
      reporter: () => timelineReporter(log, record),
    });
    record({ kind: 'end' });
  } finally {
    await rm(jobDir, { recursive: true, force: true });
  }
  return {
    clips: o.clips,
    rounds: o.rounds,
    phases: timeline.phases(),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/** The settings line printed above the tables. */
export function settingsLine(o: RefineBenchOptions, epochs: number): string {
  return (
    `refine bench: demo config (tiny preset), ${o.clips} clips (seed ${o.seed}, ${DEMO_DATA.noise * 100} % noisy ASR), ` +
    `${o.rounds} round${o.rounds > 1 ? 's' : ''} from a fresh job, pre-training ${epochs} epochs` +
    `${o.maxSteps !== undefined ? ` (pre-training and each judge at most ${o.maxSteps} steps)` : ''}, ` +
    `${o.frameCacheMb !== undefined ? `frame cache ${o.frameCacheMb} MiB a thread, ` : ''}` +
    `ORT ${ort.env.versions.common} threads ${o.threads || 'all'}, ${workerCount(o.workers)} workers, ${cpus().length} cores, ` +
    `load average at start ${loadavg()[0].toFixed(1)}`
  );
}

/** `npm run bench -- refine …`. */
export async function run(args: readonly string[] = []): Promise<void> {
  const o = parseRefineArgs(args);
  const data = await benchData(o);
  process.stdout.write(
    `data: ${data.dir} (${data.reused ? 'reused' : `generated in ${data.seconds.toFixed(1)} s`}, not timed)\n`,
  );
  const header = settingsLine(o, o.pretrainEpochs ?? demoConfig(data.dir, data.dir).train.pretrain.epochs);
  const m = await measureRefine(o);
  if (o.json) await writeFile(o.json, `${JSON.stringify({ options: o, header, measure: m })}\n`);
  process.stdout.write(formatRefineReport(m, header));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run(process.argv.slice(2));
}
