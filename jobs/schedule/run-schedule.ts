/**
 * `schedule`: run ticks on a cron expression (croner). Overlap is prevented twice — croner's
 * `protect` skips a tick while the previous one runs in this process, and the tick's file lock
 * skips it when another process holds the job — and a skipped tick is logged, never queued.
 */
import { Cron } from 'croner';
import type { Logger } from 'pino';
import pino from 'pino';
import type { RefineConfig } from '../../config/refine.js';
import { runTick, type TickOptions, type TickResult } from './tick.js';

/** Options of {@link startSchedule}. */
export interface ScheduleOptions extends TickOptions {
  readonly cron: string;
  /** Stop after this many ticks ran (not counting skipped ones). Default: never. */
  readonly maxTicks?: number;
  readonly onTick?: (r: TickResult) => void;
}

/** A running schedule. */
export interface ScheduleHandle {
  /** Resolves when `maxTicks` ticks ran or `stop()` was called and the running tick finished. */
  readonly done: Promise<void>;
  stop(): void;
  nextRun(): Date | null;
}

/** Starts ticking on `cron`; validates the expression at once (a bad one throws, quoting it). */
export function startSchedule(config: RefineConfig, opts: ScheduleOptions): ScheduleHandle {
  const log: Logger = opts.log ?? pino({ name: 'flywheel-schedule' }, pino.destination(2));
  let ran = 0;
  let finish!: () => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  let job: Cron;
  try {
    job = new Cron(
      opts.cron,
      {
        protect: (j) =>
          log.warn(
            { cron: opts.cron, previous_started: j.currentRun()?.toISOString() ?? null },
            'tick missed: the previous tick is still running (logged, not stacked)',
          ),
      },
      async () => {
        try {
          const r = await runTick(config, { ...opts, log });
          opts.onTick?.(r);
          if (r.status !== 'locked') ran++;
          if (opts.maxTicks !== undefined && ran >= opts.maxTicks) {
            job.stop();
            finish();
          }
        } catch (e) {
          log.error({ err: e instanceof Error ? e.message : String(e) }, 'tick failed; the next tick resumes it');
          if (opts.maxTicks !== undefined) {
            job.stop();
            fail(e);
          }
        }
      },
    );
  } catch (e) {
    throw new Error(`schedule: invalid cron expression ${JSON.stringify(opts.cron)}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  log.info({ cron: opts.cron, next: job.nextRun()?.toISOString() ?? null }, 'schedule started');
  return {
    done,
    stop() {
      job.stop();
      finish();
    },
    nextRun: () => job.nextRun(),
  };
}
