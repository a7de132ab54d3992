/**
 * Defaults decided on the machine that runs the job, not in the config file. They never enter the
 * config hash, so the schemas stay pure declarations and a resume on another machine is allowed.
 */
import { availableParallelism } from 'node:os';

/** Default ffmpeg processes for the frames stage: one per core. */
export function defaultConcurrency(): number {
  return availableParallelism();
}
