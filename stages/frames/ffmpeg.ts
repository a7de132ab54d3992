/**
 * The ONLY module that touches fluent-ffmpeg (archived upstream): if it is ever replaced, this
 * file is the one to change. It locates the bundled ffmpeg/ffprobe (npm
 * `@ffmpeg-installer/*`, overridable), runs one frame command per clip with a timeout and an
 * abort signal (the process is killed), and returns raw RGB bytes or a typed failure with stderr.
 */
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import type { FrameCommand } from './command.js';

/** Paths of the ffmpeg and ffprobe binaries in use. */
export interface FfmpegBinaries {
  readonly ffmpeg: string;
  readonly ffprobe: string;
}

/** The bundled binaries, unless overridden (config `stages.frames.ffmpeg_path` / `ffprobe_path`). */
export function resolveBinaries(
  override: { ffmpeg?: string | undefined; ffprobe?: string | undefined } = {},
): FfmpegBinaries {
  const require = createRequire(import.meta.url);
  const bundled = (pkg: string): string => {
    try {
      return (require(pkg) as { path: string }).path;
    } catch (e) {
      throw new Error(
        `${pkg} is not installed or has no binary for ${process.platform}-${process.arch} (${(e as Error).message}); run \`npm ci\` or set stages.frames.ffmpeg_path / ffprobe_path in the config`,
        { cause: e },
      );
    }
  };
  return {
    ffmpeg: override.ffmpeg ?? bundled('@ffmpeg-installer/ffmpeg'),
    ffprobe: override.ffprobe ?? bundled('@ffprobe-installer/ffprobe'),
  };
}

/** Why one ffmpeg run failed: killed on timeout, aborted, or exited with an error (stderr kept for the error row). */
export class FfmpegRunError extends Error {
  readonly reason: 'timeout' | 'aborted' | 'failed';
  readonly stderr: string;
  constructor(reason: 'timeout' | 'aborted' | 'failed', message: string, stderr: string) {
    super(message);
    this.name = 'FfmpegRunError';
    this.reason = reason;
    this.stderr = stderr;
  }
}

/** Result of a successful run: stdout bytes (possibly fewer than expected) and stderr. */
export interface FfmpegOutput {
  readonly bytes: Uint8Array;
  readonly stderr: string;
}

/** Runs `ffmpeg -version`; throws with a how-to-fix message when the binary is missing or broken. */
export async function checkFfmpeg(bins: FfmpegBinaries): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(bins.ffmpeg, ['-version'], { timeout: 10_000 }, (err, stdout) => {
      if (err)
        reject(
          new Error(
            `cannot run ffmpeg at ${bins.ffmpeg} (${err.message}); run \`npm ci\` (installs @ffmpeg-installer/ffmpeg) or set stages.frames.ffmpeg_path`,
          ),
        );
      else resolve(stdout.split('\n')[0] ?? 'ffmpeg');
    });
  });
}

/** Runs one frame command in one ffmpeg process. Kills the process on timeout or abort. */
export function runFrameCommand(
  bins: FfmpegBinaries,
  cmd: FrameCommand,
  opts: { timeoutS: number; signal?: AbortSignal },
): Promise<FfmpegOutput> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // emitClose: false — fluent-ffmpeg treats a 'close' of the output stream as a failure ("Output stream
    // closed") if ffmpeg has not exited within 20 ms, a race under load; we wait for 'finish' instead.
    const sink = new Writable({
      emitClose: false,
      write(chunk: Buffer, _enc, cb) {
        // never keep more than expected (+1 frame's worth, to detect excess)
        if (size <= cmd.expectedBytes) chunks.push(chunk);
        size += chunk.length;
        cb();
      },
    });
    const command = ffmpeg({ timeout: opts.timeoutS, stdoutLines: 0 })
      .setFfmpegPath(bins.ffmpeg)
      .setFfprobePath(bins.ffprobe);
    for (const input of cmd.inputs) command.input(input.path).inputOptions([...input.options]);
    command.outputOptions(['-nostdin', ...cmd.outputOptions]);
    let settled = false;
    const onAbort = (): void => {
      command.kill('SIGKILL');
    };
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    command.on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
      const text = stderr ?? '';
      finish(() => {
        if (opts.signal?.aborted)
          reject(new FfmpegRunError('aborted', 'ffmpeg was stopped because the run was cancelled', text));
        else if (/timeout/i.test(err.message))
          reject(new FfmpegRunError('timeout', `ffmpeg did not finish within ${opts.timeoutS}s and was killed`, text));
        else reject(new FfmpegRunError('failed', err.message, text));
      });
    });
    const drained = new Promise<void>((r) => sink.once('finish', () => r()));
    command.on('end', (_stdout: string | null, stderr: string | null) => {
      // every stdout byte has reached the sink before the result is read
      void drained.then(() =>
        finish(() =>
          resolve({
            bytes: Buffer.concat(chunks).subarray(0, Math.min(size, cmd.expectedBytes + 1)),
            stderr: stderr ?? '',
          }),
        ),
      );
    });
    if (opts.signal?.aborted) {
      finish(() => reject(new FfmpegRunError('aborted', 'ffmpeg was not started because the run was cancelled', '')));
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    command.pipe(sink, { end: true });
  });
}
