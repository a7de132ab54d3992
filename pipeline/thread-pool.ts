/**
 * A pool of worker threads running one of our TypeScript modules. onnxruntime-node runs a session on
 * the thread that calls it, and our small graphs gain little from a second ONNX Runtime thread, so
 * independent trainings (a round's judges, the probe's seeds) run faster one to a core in worker
 * threads than one after another on all of them. The workers load the module through the same
 * TypeScript loader (tsx) as the job, named by file so any working directory resolves it.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';

/**
 * Most worker threads a pool gets unless the config asks for more: each worker holds its own caches
 * of what it trains on (a round's rows and frames, each bounded).
 */
export const DEFAULT_MAX_WORKERS = 4;

/** Worker threads for a `device.workers` setting: the setting when above 0, else one per core up to {@link DEFAULT_MAX_WORKERS}. */
export function workerCount(setting: number): number {
  return setting > 0 ? setting : Math.min(availableParallelism(), DEFAULT_MAX_WORKERS);
}

/**
 * Starts `threads` worker threads that run `module`'s default export, one task at a time each (a
 * worker takes its next task only when it has finished one). Destroy it when done.
 */
export function threadPool<Task, Result>(module: URL, threads: number): Piscina<Task, Result> {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return new Piscina<Task, Result>({
    filename: module.href,
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: 1,
    execArgv: ['--import', pathToFileURL(tsx).href],
  });
}
