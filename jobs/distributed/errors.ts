/**
 * Two kinds of task failure on the queue: transient ones (a flaky disk, a killed worker) are
 * retried with back-off; systemic ones (a bad config, stages that do not match the run) fail the
 * run at once with their message, because retrying cannot fix them.
 */

/** A failure no retry can fix: the run fails with this message. */
export class SystemicError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SystemicError';
  }
}

/** Error names (from other modules) that mean "the run itself is wrong". */
const systemicNames = new Set(['SystemicError', 'ConfigError', 'RunMismatchError']);

/** True for failures that retrying cannot fix. */
export function isSystemic(e: unknown): boolean {
  return e instanceof Error && systemicNames.has(e.name);
}

/** A one-line message for any thrown value. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
