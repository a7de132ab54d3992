/**
 * Loading model versions and judges pinned by content hash, as model stages do on whichever machine
 * runs them: a directory on shared storage whose content hash is not the one the task names (an
 * older copy, a version being replaced) is refused before a single clip is captioned with it.
 */
import type { Device } from '../../models/device.js';
import { Captioner } from '../../models/inference.js';
import { Judge } from '../../models/probe/judge.js';
import { loadVersion } from '../../models/version.js';
import type { CaptionJudge, CaptionModel } from './caption-model.js';

/** A model or judge directory and the content hash the task expects there. */
export interface PinnedDir {
  readonly dir: string;
  readonly content_hash: string;
}

/** Thrown when a directory holds another version than the one a task names. */
export class VersionMismatchError extends Error {
  override readonly name = 'VersionMismatchError';
}

function mismatch(what: string, p: PinnedDir, found: string): VersionMismatchError {
  return new VersionMismatchError(
    `${what} ${p.dir} has content hash ${found.slice(0, 12)}…, but this task needs ${p.content_hash.slice(0, 12)}…: refusing to use another version (is the shared storage up to date on this machine?)`,
  );
}

/** Loads a captioner version, verified against its manifest and the pinned hash. */
export async function loadPinnedCaptioner(p: PinnedDir, device: Device): Promise<CaptionModel> {
  const v = await loadVersion(p.dir);
  if (v.manifest.contentHash !== p.content_hash) throw mismatch('model version', p, v.manifest.contentHash);
  return Captioner.open(v.config, v.tokenizer, v.graphs, device);
}

/** Loads a judge, checked against the pinned hash. */
export async function loadPinnedJudge(p: PinnedDir, device: Device): Promise<CaptionJudge> {
  const j = await Judge.load(p.dir, device);
  if (j.manifest.contentHash !== p.content_hash) {
    await j.release();
    throw mismatch('judge', p, j.manifest.contentHash);
  }
  return j;
}

/** The content hash of a captioner version directory (what a spec pins it by). */
export async function captionerHash(dir: string): Promise<string> {
  return (await loadVersion(dir)).manifest.contentHash;
}
