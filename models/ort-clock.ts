/**
 * Time inside ONNX Runtime: a process-wide tally of `session.run` wall time, per graph label, read by
 * the benchmarks (`npm run bench -- refine`). Off by default: `Device` wraps a session's `run` only
 * when the clock is enabled as the session is created, so a job pays nothing for it.
 */
import type * as ort from 'onnxruntime-node';

/** Calls and summed wall milliseconds of one graph label's runs. */
export interface LabelTime {
  readonly calls: number;
  readonly ms: number;
}

/** What the clock has counted. */
export interface OrtTimes {
  /** Wall ms during which a run was executing (overlapping runs count once). */
  readonly busyMs: number;
  /** Per graph label: calls and summed ms (overlapping runs each count). */
  readonly byLabel: Readonly<Record<string, LabelTime>>;
}

/** An accumulator of `session.run` time; {@link ortClock} is the one `Device` feeds. */
export class OrtClock {
  readonly #now: () => number;
  #enabled = false;
  #busy = 0;
  #busyUntil = Number.NEGATIVE_INFINITY;
  readonly #byLabel = new Map<string, { calls: number; ms: number }>();

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Whether sessions created from now on are timed. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Times the runs of sessions created from now on. */
  enable(): void {
    this.#enabled = true;
  }

  /**
   * Times one call under `label`. onnxruntime-node runs a session synchronously on the main thread
   * inside a `setImmediate` callback; the callback queued here just before it marks when the run
   * starts, so time the run waited in the queue (other stages' work) is not counted as ONNX Runtime's.
   */
  async time<T>(label: string, call: () => Promise<T>): Promise<T> {
    let start = this.#now();
    const mark = setImmediate(() => (start = this.#now()));
    try {
      return await call();
    } finally {
      clearImmediate(mark);
      this.add(label, start, this.#now());
    }
  }

  /** Counts one run from `start` to `end` (ms); a part overlapping runs already counted adds no busy time. */
  add(label: string, start: number, end: number): void {
    this.#busy += Math.max(0, end - Math.max(start, this.#busyUntil));
    this.#busyUntil = Math.max(this.#busyUntil, end);
    const t = this.#byLabel.get(label) ?? { calls: 0, ms: 0 };
    t.calls++;
    t.ms += end - start;
    this.#byLabel.set(label, t);
  }

  /** What was counted so far. */
  read(): OrtTimes {
    return {
      busyMs: this.#busy,
      byLabel: Object.fromEntries([...this.#byLabel].map(([k, v]) => [k, { ...v }])),
    };
  }

  /** Makes `session.run` report to this clock under `label`. */
  wrap(session: ort.InferenceSession, label: string): void {
    const run = session.run.bind(session) as (...args: unknown[]) => Promise<ort.InferenceSession.ReturnType>;
    session.run = (...args: unknown[]) => this.time(label, () => run(...args));
  }
}

/** What was counted between two readings (`later` minus `earlier`). */
export function ortTimesBetween(earlier: OrtTimes, later: OrtTimes): OrtTimes {
  const byLabel: Record<string, LabelTime> = {};
  for (const [k, v] of Object.entries(later.byLabel)) {
    const e = earlier.byLabel[k] ?? { calls: 0, ms: 0 };
    if (v.calls > e.calls) byLabel[k] = { calls: v.calls - e.calls, ms: v.ms - e.ms };
  }
  return { busyMs: later.busyMs - earlier.busyMs, byLabel };
}

/** The process's clock (`Device` times the sessions it creates while this is enabled). */
export const ortClock = new OrtClock();
