/**
 * Resolving a clip's `video_uri` inside the configured media root. Anything that would read
 * outside it — `../` escapes, absolute paths elsewhere, symlinks whose real path leaves the root —
 * is refused with a `path_refused` error; missing and empty files get their own error kinds.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { RowError } from '../../pipeline/stage.js';

/** A readable video path, or the error row to report instead. */
export type MediaPath = { readonly path: string } | { readonly error: Omit<RowError, 'clip_id'> };

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Resolves and checks one `video_uri` (relative URIs are taken from `root`; `file://` URLs are accepted). */
export async function resolveMediaPath(root: string, uri: string, realRoot?: string): Promise<MediaPath> {
  const refuse = (why: string): MediaPath => ({
    error: {
      kind: 'path_refused',
      message: `video_uri ${JSON.stringify(uri)} refused: ${why} (media_root is ${root})`,
    },
  });
  let raw = uri;
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw)) {
    if (!raw.startsWith('file://')) return refuse('only local paths and file:// URLs are supported');
    raw = decodeURIComponent(new URL(raw).pathname);
  }
  const lexical = resolve(root, raw);
  if (!inside(resolve(root), lexical)) return refuse('it points outside the media root');
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      return { error: { kind: 'missing_file', message: `video file not found: ${lexical}` } };
    return {
      error: { kind: 'missing_file', message: `cannot access video file ${lexical}: ${code ?? (e as Error).message}` },
    };
  }
  const rootReal = realRoot ?? (await realpath(root));
  if (!inside(rootReal, real)) return refuse(`it is a symlink to ${real}, outside the media root`);
  const st = await stat(real);
  if (!st.isFile())
    return { error: { kind: 'not_a_video', message: `video_uri ${JSON.stringify(uri)} is not a regular file` } };
  if (st.size === 0) return { error: { kind: 'empty_file', message: `video file is empty (0 bytes): ${lexical}` } };
  return { path: real };
}
