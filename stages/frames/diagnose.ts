/**
 * Turns a failed or short ffmpeg run into an error row a user can act on: the kind, a one-line
 * cause, and the relevant tail of ffmpeg's own stderr.
 */
import type { RowError } from '../../pipeline/stage.js';

/** The video's duration in seconds from ffmpeg's `Duration:` banner line, when present. */
export function parseDuration(stderr: string): number | undefined {
  const m = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

/** The last few meaningful stderr lines (banner and stream listings removed). */
export function stderrTail(stderr: string, lines = 4): string {
  const useful = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(
      (l) =>
        l &&
        !/^(ffmpeg version|built with|configuration:|lib\w+ +\d|Input #|Output #|Metadata:|Duration:|Stream #|Stream mapping:|Press \[q\]|encoder|major_brand|minor_version|compatible_brands|creation_time|handler_name|Side data:|displaymatrix|Chapter|title|frame=|\w+\s*:\s)/i.test(
          l,
        ),
    );
  return useful.slice(-lines).join(' | ').slice(0, 600);
}

/** Classifies an ffmpeg failure (non-zero exit) from its stderr. */
export function classifyFailure(stderr: string, fallback: string): Omit<RowError, 'clip_id'> {
  const tail = stderrTail(stderr) || fallback;
  if (
    /moov atom not found|Invalid data found when processing input|could not find codec parameters|EBML header parsing failed|Failed to read frame size|invalid.*header|Unknown format|End of file/i.test(
      stderr,
    )
  ) {
    if (!/Stream #\d+:\d+.*Video:/.test(stderr))
      return { kind: 'not_a_video', message: `not a readable video: ${tail}` };
  }
  if (
    /matches no streams|does not contain any stream|Output file #0 does not contain/i.test(stderr) ||
    (/Stream #\d+:\d+/.test(stderr) && !/Stream #\d+:\d+.*Video:/.test(stderr))
  ) {
    return { kind: 'not_a_video', message: `no video stream in the file (audio-only or data): ${tail}` };
  }
  return { kind: 'decode_failed', message: `ffmpeg failed: ${tail}` };
}

/** Explains why fewer frames than requested came out of a successful run. */
export function explainShortOutput(
  stderr: string,
  got: number,
  want: number,
  start: number,
  end: number,
): Omit<RowError, 'clip_id'> {
  const duration = parseDuration(stderr);
  if (duration !== undefined && end > duration + 1e-3) {
    return {
      kind: 'bad_time_range',
      message: `clip [${start}, ${end}] s goes beyond the video's duration ${duration.toFixed(3)} s: got ${got} of ${want} frames`,
    };
  }
  if (!/Stream #\d+:\d+.*Video:/.test(stderr) && /Stream #\d+:\d+/.test(stderr))
    return { kind: 'not_a_video', message: `no video stream in the file (audio-only or data)` };
  return {
    kind: 'decode_failed',
    message: `ffmpeg produced ${got} of ${want} frames (broken or truncated video?)${stderrTail(stderr) ? `: ${stderrTail(stderr)}` : ''}`,
  };
}
