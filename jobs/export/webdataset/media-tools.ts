/**
 * Runs ffmpeg and ffprobe as child processes for the WebDataset export (argument lists, a timeout,
 * stderr kept for the error row). The binaries are the ones the frames stage resolves.
 */
import { execFile } from 'node:child_process';
import type { FfmpegBinaries } from '../../../stages/frames/ffmpeg.js';

/** A failed ffmpeg/ffprobe run, with the tail of its stderr. */
export class MediaToolError extends Error {
  readonly stderr: string;
  constructor(message: string, stderr: string) {
    super(message);
    this.name = 'MediaToolError';
    this.stderr = stderr;
  }
}

/** Runs `bin args…`; resolves to stdout, rejects with {@link MediaToolError} on a non-zero exit or timeout. */
export function runTool(bin: string, args: readonly string[], timeoutS: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      { timeout: timeoutS * 1000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        const why = err.killed ? `killed after ${timeoutS}s` : `exit ${String(err.code)}`;
        reject(new MediaToolError(`${bin.split('/').pop() ?? bin} failed (${why}): ${tail}`, stderr));
      },
    );
  });
}

/** The binaries plus the per-run timeout, passed to every cut. */
export interface MediaTools {
  readonly bins: FfmpegBinaries;
  readonly timeoutS: number;
}
