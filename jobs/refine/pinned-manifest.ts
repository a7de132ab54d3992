/**
 * The refine job's own copy of its manifest. A job reads its manifest many times: the tokenizer, its
 * fit, the frames run, every round's run and the raw side. A manifest that grows or changes between
 * those reads (a nightly ingest appending to it, say) would give rounds other clips than the frames
 * run extracted, and a resumed or extended job would be refused by the frames run's manifest check.
 * So the job copies the manifest into its folder once, when it starts, and reads only that copy; the
 * manifest's later rows are for `flywheel schedule` ticks or a new job.
 */
import { constants, existsSync } from 'node:fs';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { produceFileAtomic } from '../../pipeline/atomic-write.js';
import { hashFile } from '../../pipeline/hash.js';
import { readJson, writeJsonAtomic } from './job-files.js';
import type { JobLayout } from './layout.js';

/** What `manifest-pin.json` records of the job's copy. */
export interface ManifestPin {
  readonly format: 'flywheel-manifest-pin/1';
  /** The manifest the job was started with, as the config named it (made absolute). */
  readonly source: string;
  /** The copy's file name in the job's `manifest/` folder (the source's name). */
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly pinned_at: string;
  /** The source's modification time when it was copied: `inspect` tells a changed source by it, without reading it. */
  readonly source_mtime: string;
}

/** The manifest a job reads, and what it found of the source this call. */
export interface PinnedManifest {
  /** The job's copy: every read of the job's clips reads this file. */
  readonly path: string;
  readonly pin: ManifestPin;
  /** Set when the source no longer holds the pinned bytes: why (changed, or gone). */
  readonly sourceDiffers?: string;
}

/** Options of {@link pinManifest}. */
export interface PinOptions {
  readonly log?: Logger;
  /**
   * The sha256 of the manifest the job already read, for a job started before jobs kept a copy (its
   * frames run records it): a source that no longer holds those bytes is refused, not copied.
   */
  readonly started?: string;
  /** Copies the source to the temp file (default: a reflink where the filesystem has them, else a copy); tests swap it to simulate a fault. */
  readonly copy?: (source: string, dest: string) => Promise<void>;
}

const defaultCopy = (source: string, dest: string): Promise<void> => copyFile(source, dest, constants.COPYFILE_FICLONE);

async function shaOrMissing(path: string): Promise<string | undefined> {
  try {
    return await hashFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function pinFresh(l: JobLayout, source: string, opts: PinOptions): Promise<PinnedManifest> {
  const cannotRead = (e: NodeJS.ErrnoException): never => {
    throw new Error(`manifest ${source}: cannot read (${e.code ?? e.message})`);
  };
  const mtime = (await stat(source).catch(cannotRead)).mtime;
  const sha256 = await hashFile(source).catch(cannotRead);
  if (opts.started !== undefined && opts.started !== sha256)
    throw new Error(
      `manifest ${source}: it changed since this job read it (sha256 ${opts.started.slice(0, 12)}, now ${sha256.slice(0, 12)}), and the job has no copy of it (no ${l.manifestPin}: it was started before jobs kept one). Put the manifest it started with back, or start a new job (another run_dir)`,
    );
  const file = basename(source);
  const path = join(l.manifestDir, file);
  // the job holds its lock: what the folder holds now is a copy never recorded, or a killed copy's temp
  await rm(l.manifestDir, { recursive: true, force: true });
  await mkdir(l.manifestDir, { recursive: true });
  await produceFileAtomic(path, async (tmp) => {
    await (opts.copy ?? defaultCopy)(source, tmp);
    const copied = await hashFile(tmp);
    if (copied !== sha256)
      throw new Error(
        `manifest ${source}: it changed while the job copied it (sha256 ${sha256.slice(0, 12)} before, ${copied.slice(0, 12)} copied); run the job again once it is written`,
      );
  });
  const pin: ManifestPin = {
    format: 'flywheel-manifest-pin/1',
    source: resolve(source),
    file,
    sha256,
    bytes: (await stat(path)).size,
    pinned_at: new Date().toISOString(),
    source_mtime: mtime.toISOString(),
  };
  // the record is written last: a copy without one is taken again
  await writeJsonAtomic(l.manifestPin, pin);
  return { path, pin };
}

/**
 * Copies the job's manifest into its folder when the job starts (clearing what a killed copy left
 * there), and on later calls returns that copy, checked against its recorded sha256. A source that
 * has changed since, or is gone, is logged as a warning and the job goes on with its copy. A copy
 * that is gone or changed is taken again from the source when the source still holds the pinned
 * bytes, and refused otherwise.
 */
export async function pinManifest(l: JobLayout, source: string, opts: PinOptions = {}): Promise<PinnedManifest> {
  const recorded = await readJson<ManifestPin>(l.manifestPin).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw new Error(
      `${l.manifestPin}: cannot read the job's manifest record (${e.message}); delete it to copy the manifest again (refused if it no longer holds the bytes the job's frames run read)`,
    );
  });
  if (!recorded) return pinFresh(l, source, opts);

  const path = join(l.manifestDir, recorded.file);
  const [copySha, sourceSha] = await Promise.all([shaOrMissing(path), shaOrMissing(source)]);
  if (copySha !== recorded.sha256) {
    const what = copySha === undefined ? 'is gone' : `changed (sha256 ${copySha.slice(0, 12)})`;
    if (sourceSha !== recorded.sha256)
      throw new Error(
        `${path}: the job's copy of its manifest ${what}, and ${source} no longer holds the bytes the job started with (sha256 ${recorded.sha256.slice(0, 12)}); start a new job (another run_dir)`,
      );
    opts.log?.warn({ manifest: path }, `the job's copy of its manifest ${what}: copied again from ${source}`);
    return pinFresh(l, source, { ...opts, started: recorded.sha256 });
  }
  if (sourceSha === recorded.sha256) return { path, pin: recorded };
  const sourceDiffers =
    sourceSha === undefined
      ? `${source} is gone`
      : `${source} changed since the job copied it on ${recorded.pinned_at} (sha256 ${recorded.sha256.slice(0, 12)} → ${sourceSha.slice(0, 12)})`;
  opts.log?.warn(
    { manifest: source, pinned: path },
    `${sourceDiffers}: the job goes on with the clips it started with, in ${path}. New clips are for flywheel schedule ticks, or a new job (another run_dir)`,
  );
  return { path, pin: recorded, sourceDiffers };
}

/** The job's manifest record, or undefined for a job that has none yet (or one started before jobs kept a copy). */
export async function readPin(l: JobLayout): Promise<ManifestPin | undefined> {
  return existsSync(l.manifestPin) ? readJson<ManifestPin>(l.manifestPin) : undefined;
}

/** How a file looks against a pin: as it was copied, changed (its size, or the source's time), or gone. */
export type Standing = 'same' | 'changed' | 'gone';

/** Whether a pin's source still looks as it was copied, by its size and modification time (nothing read). */
export async function sourceStanding(pin: ManifestPin): Promise<Standing> {
  const s = await stat(pin.source).catch(() => undefined);
  if (!s) return 'gone';
  return s.size === pin.bytes && s.mtime.toISOString() === pin.source_mtime ? 'same' : 'changed';
}

/** Whether the job's copy is still there at its recorded size (nothing read; the job checks its sha256). */
export async function copyStanding(l: JobLayout, pin: ManifestPin): Promise<Standing> {
  const s = await stat(join(l.manifestDir, pin.file)).catch(() => undefined);
  if (!s) return 'gone';
  return s.size === pin.bytes ? 'same' : 'changed';
}
