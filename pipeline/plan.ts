/**
 * Planning a run: check the stage list, split the manifest into shards (one
 * `input/<shard>.parquet` each), write the manifest's error rows, then `run.json`. Re-planning an
 * existing run dir checks that the config hash, stage list and manifest are unchanged and refuses
 * to resume otherwise.
 */
import { randomUUID } from 'node:crypto';
import type { ClipRow } from '../schemas/clips.js';
import { clipsTable } from '../schemas/clips.js';
import type { ErrorRow } from '../schemas/errors.js';
import { errorsTable } from '../schemas/errors.js';
import { configChanges, listChanges } from './config-changes.js';
import { hashFile, hashValue } from './hash.js';
import { layout, shardId } from './layout.js';
import { jsonBytes, readJson, readRunMeta, RUN_FORMAT, type RunMeta, type StageInfo } from './ledger.js';
import { readManifest } from './manifest/index.js';
import { parquetBytes, ParquetStreamWriter } from './parquet.js';
import type { AnyStage } from './stage.js';
import { checkSideInputs } from './side-input.js';
import { checkStageList } from './stage-checks.js';
import { putObject, type Storage } from './storage.js';

/** Manifest error rows written to their file at a time. */
const ERROR_BATCH = 4096;

/** Raised when a run dir was started with a different config, stage list or manifest. */
export class RunMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunMismatchError';
  }
}

/** What identifies a run's outputs. */
export interface PlanInput {
  readonly storage: Storage;
  readonly manifestPath: string;
  readonly shardSize: number;
  readonly round: number;
  readonly stages: readonly AnyStage[];
  /** The hashed part of the config (see `hashedPart` in `config/marks.ts`). */
  readonly config: unknown;
}

/** Declared stage facts for run metadata. */
export function stageInfo(stages: readonly AnyStage[]): StageInfo[] {
  return stages.map((s) => ({
    name: s.name,
    resources: { cpus: s.resources.cpus, gpus: s.resources.gpus },
    batch_size: s.batchSize,
    concurrency: s.concurrency,
  }));
}

/** The hash a run is pinned to: output-affecting config + stage names + shard size. */
export function configHash(input: Pick<PlanInput, 'config' | 'stages' | 'shardSize' | 'round'>): string {
  return hashValue({
    config: input.config,
    stages: input.stages.map((s) => s.name),
    shard_size: input.shardSize,
    round: input.round,
  });
}

function checkResume(
  meta: RunMeta,
  now: { hash: string; config: unknown },
  stageNames: string[],
  manifestSha: string,
  where: string,
): void {
  const problems: string[] = [];
  const before = meta.stages.map((s) => s.name);
  if (before.join(',') !== stageNames.join(','))
    problems.push(`stage list changed: was [${before.join(', ')}], now [${stageNames.join(', ')}]`);
  if (meta.config_hash !== now.hash) {
    const changes = configChanges(meta.config, now.config);
    problems.push(
      `config hash changed: was ${meta.config_hash.slice(0, 12)}, now ${now.hash.slice(0, 12)}` +
        (changes.length ? ` (${listChanges(changes)})` : ''),
    );
  }
  if (meta.manifest.sha256 !== manifestSha)
    problems.push(
      `manifest content changed (sha256 was ${meta.manifest.sha256.slice(0, 12)}, now ${manifestSha.slice(0, 12)})`,
    );
  if (problems.length) {
    throw new RunMismatchError(
      `refusing to resume run dir ${where}: ${problems.join('; ')}. ` +
        `Use a new run_dir, or delete ${where} to start over.`,
    );
  }
}

/**
 * Plans a new run or validates a resumable one; returns its metadata. The stage list is checked
 * first (see {@link checkStageList}) and every declared side input opened, before the manifest is
 * read or anything is written.
 */
export async function planRun(input: PlanInput): Promise<{ meta: RunMeta; resumed: boolean }> {
  const { storage } = input;
  checkStageList(input.stages);
  await checkSideInputs(input.stages);
  const hash = configHash(input);
  const names = input.stages.map((s) => s.name);
  const manifestSha = await hashFile(input.manifestPath).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`manifest ${input.manifestPath}: cannot read (${e.code ?? e.message})`);
  });
  const existing = await readRunMeta(storage);
  if (existing) {
    checkResume(existing, { hash, config: input.config }, names, manifestSha, storage.description);
    return { meta: existing, resumed: true };
  }

  const shards: string[] = [];
  let rows = 0;
  let clips = 0;
  let errors = 0;
  let pending: ClipRow[] = [];
  let pendingErrors: ErrorRow[] = [];
  const flush = async (): Promise<void> => {
    const id = shardId(shards.length);
    const bytes = parquetBytes(clipsTable.schema, [clipsTable.toBatch(pending)], { 'flywheel.shard': id });
    await putObject(storage, layout.input(id), bytes, { overwrite: true });
    shards.push(id);
    pending = [];
  };
  // the manifest's error rows stream to their file, so a manifest of any size is planned in bounded memory
  const errorsOut = new ParquetStreamWriter(storage, layout.manifestErrors, errorsTable.schema);
  const flushErrors = async (): Promise<void> => {
    await errorsOut.write(errorsTable.toBatch(pendingErrors));
    pendingErrors = [];
  };
  try {
    for await (const item of readManifest(input.manifestPath, input.round)) {
      rows++;
      if ('error' in item) {
        errors++;
        pendingErrors.push(item.error);
        if (pendingErrors.length === ERROR_BATCH) await flushErrors();
        continue;
      }
      clips++;
      pending.push(item.clip);
      if (pending.length === input.shardSize) await flush();
    }
    if (pending.length > 0) await flush();
    await flushErrors();
    await storage.commit(await errorsOut.close(), { overwrite: true });
  } catch (e) {
    // a plan that fails leaves nothing: no errors temp, and none of the input shards it wrote
    errorsOut.abort(e);
    const temp = await errorsOut.settled();
    if (temp) await storage.discard(temp);
    for (const id of shards) await storage.remove(layout.input(id));
    throw e;
  }

  const meta: RunMeta = {
    format: RUN_FORMAT,
    run_id: randomUUID(),
    created_at: new Date().toISOString(),
    config_hash: hash,
    round: input.round,
    manifest: { path: input.manifestPath, sha256: manifestSha, rows, clips, errors },
    stages: stageInfo(input.stages),
    shard_size: input.shardSize,
    shards,
    config: input.config,
  };
  if ((await putObject(storage, layout.runMeta, jsonBytes(meta))) === 'exists') {
    // another planner won the race: use its run.json if it matches
    const winner = await readJson<RunMeta>(storage, layout.runMeta);
    checkResume(winner, { hash, config: input.config }, names, manifestSha, storage.description);
    return { meta: winner, resumed: true };
  }
  return { meta, resumed: false };
}
