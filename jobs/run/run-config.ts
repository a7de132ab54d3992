/** `flywheel run` on this machine: build a validated config's stages and hand them to the engine's local runner. */
import { hashedPart } from '../../config/marks.js';
import { type Config, configSchema } from '../../config/run.js';
import { stagesFromConfig } from '../../stages/index.js';
import type { RunReporter } from '../../pipeline/reporter.js';
import { type LocalRunResult, runLocal } from '../../pipeline/runner.js';

/** Runs (or resumes) the job a config describes. */
export function runConfig(
  config: Config,
  opts: { reporter?: RunReporter; signal?: AbortSignal } = {},
): Promise<LocalRunResult> {
  return runLocal({
    runDir: config.run_dir,
    manifestPath: config.manifest,
    shardSize: config.shard_size,
    round: config.round,
    shardConcurrency: config.shard_concurrency,
    stages: stagesFromConfig(config),
    config: hashedPart(configSchema, config),
    ...(opts.reporter ? { reporter: opts.reporter } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}
