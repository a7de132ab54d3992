/**
 * Where a refine job's time goes, read from outside the job: its JSON log lines and its engine runs'
 * reporter calls arrive in order, and the interval ending at each event is charged to the phase the
 * event closes (an `epoch` line of `round 0 pretrain` closes that pre-training, a `run finished`
 * closes the engine run, `round finished` closes the round's evaluation). The job runs its steps
 * one after another, so the phases tile its wall time. Pure: the caller reads the clocks.
 */
import type { LabelTime, OrtTimes } from '../../models/ort-clock.js';
import { ortTimesBetween } from '../../models/ort-clock.js';
import type { StageCounters } from '../../pipeline/counters.js';

/** What the bench hears from a refine job, in order: a log line, or an engine run's reporter call. */
export type RefineEvent =
  | { readonly kind: 'log'; readonly msg: string; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly kind: 'planned'; readonly stages: readonly string[]; readonly round: number }
  | { readonly kind: 'finished'; readonly stages: Readonly<Record<string, StageCounters>> }
  | { readonly kind: 'end' };

/** The clocks read at an event. */
export interface ClockReading {
  /** Wall ms. */
  readonly at: number;
  /** Ms the main thread's event loop was active (running JS, or ONNX Runtime, which runs on it). */
  readonly activeMs: number;
  /** ONNX Runtime's tally. */
  readonly ort: OrtTimes;
  /** The process's peak resident set size so far, MB. */
  readonly peakRssMb?: number;
}

/** Time charged to one phase, summed over its intervals. */
export interface PhaseTime {
  readonly name: string;
  /** `job`, `bootstrap` or `round <k>`. */
  readonly group: string;
  readonly wallMs: number;
  /** Main thread busy, ONNX Runtime included. */
  readonly activeMs: number;
  /** In ONNX Runtime `session.run`. */
  readonly ortMs: number;
  readonly ortByLabel: Readonly<Record<string, LabelTime>>;
  /** The process's peak RSS when the phase last closed, MB (0 when not read): where the peak rises. */
  readonly peakRssMb: number;
  /** The engine's per-stage counters, for a phase that is an engine run (stage times overlap: stages stream). */
  readonly stages?: Readonly<Record<string, StageCounters>>;
}

/** The group of a phase: its round, `bootstrap`, or `job` (setup and frames, once per job). */
export function groupOf(phase: string): string {
  const round = /^round \d+/.exec(phase);
  if (round) return round[0];
  return phase.startsWith('bootstrap') ? 'bootstrap' : 'job';
}

/** The name of an engine run from its stages: the frames, the bootstrap's candidates, or a round's candidates and choice. */
export function engineRunName(stages: readonly string[], round: number): string {
  if (stages.includes('frames')) return 'frames';
  if (stages.includes('adatailr')) return `round ${round} candidates + choice`;
  return 'bootstrap candidates';
}

/** Charges a refine job's intervals to its phases. */
export class PhaseTimeline {
  #last: ClockReading;
  readonly #phases = new Map<string, PhaseTime>();
  #engine: string | undefined;
  #nextRound = 0;

  constructor(start: ClockReading) {
    this.#last = start;
  }

  /** Charges the interval since the last boundary to the phase `event` closes (some events close none). */
  record(event: RefineEvent, now: ClockReading): void {
    const name = this.#phaseOf(event);
    if (name === undefined) return;
    const was = this.#phases.get(name);
    const ort = ortTimesBetween(this.#last.ort, now.ort);
    const byLabel: Record<string, LabelTime> = { ...was?.ortByLabel };
    for (const [k, v] of Object.entries(ort.byLabel)) {
      const b = byLabel[k] ?? { calls: 0, ms: 0 };
      byLabel[k] = { calls: b.calls + v.calls, ms: b.ms + v.ms };
    }
    const stages = event.kind === 'finished' ? event.stages : was?.stages;
    this.#phases.set(name, {
      name,
      group: groupOf(name),
      wallMs: (was?.wallMs ?? 0) + now.at - this.#last.at,
      activeMs: (was?.activeMs ?? 0) + now.activeMs - this.#last.activeMs,
      ortMs: (was?.ortMs ?? 0) + ort.busyMs,
      ortByLabel: byLabel,
      peakRssMb: now.peakRssMb ?? 0,
      ...(stages ? { stages } : {}),
    });
    this.#last = now;
  }

  /** The phases in the order they first closed. */
  phases(): PhaseTime[] {
    return [...this.#phases.values()];
  }

  #phaseOf(e: RefineEvent): string | undefined {
    switch (e.kind) {
      case 'planned': {
        const first = this.#engine === undefined;
        this.#engine = engineRunName(e.stages, e.round);
        // before the first run: the job's checks, the truth table and the tokenizer
        return first ? 'setup' : this.#engine;
      }
      case 'finished':
        return this.#engine ?? 'setup';
      case 'end':
        return 'end';
      case 'log':
        return this.#logPhase(e.msg, e.fields);
    }
  }

  #logPhase(msg: string, fields: Readonly<Record<string, unknown>>): string | undefined {
    if (msg === 'epoch' && typeof fields.phase === 'string') return fields.phase;
    if (msg.endsWith(' model saved')) return `${msg.slice(0, -' model saved'.length)} save`;
    if (/^judge fold \d+ saved$/.test(msg) || msg === 'round started') return `round ${this.#nextRound} judges`;
    if (msg === 'round finished') {
      const round = typeof fields.round === 'number' ? fields.round : this.#nextRound;
      this.#nextRound = round + 1;
      return `round ${round} eval`;
    }
    return undefined;
  }
}
