/**
 * The refine bench's arithmetic: a refine job's events (engine runs, training epochs, judges,
 * evaluation) are charged to the right phases and groups, the phases add up to the job's wall time,
 * wall time splits into ONNX Runtime, JavaScript and waiting, and the tables and clips/s say so.
 * Clock readings are made up here; no timing is measured.
 */
import { describe, expect, it } from 'vitest';
import type { LabelTime } from '../../../models/ort-clock.js';
import type { StageCounters } from '../../../pipeline/counters.js';
import {
  ortTable,
  phaseTable,
  splitTime,
  stageTable,
  sumPhases,
  throughput,
} from '../../../research/bench/refine-report.js';
import {
  type ClockReading,
  engineRunName,
  groupOf,
  PhaseTimeline,
  type RefineEvent,
} from '../../../research/bench/refine-timeline.js';

const counters = (rows: number, seconds: number): StageCounters => ({
  rows_in: rows,
  rows_out: rows,
  errors: 0,
  seconds,
  rows_per_s: rows / seconds,
});
const log = (msg: string, fields: Record<string, unknown> = {}): RefineEvent => ({ kind: 'log', msg, fields });

/** A one-round job: each step with the wall, main-thread and ONNX Runtime ms it adds. */
const steps: [RefineEvent, number, number, Record<string, LabelTime>][] = [
  [{ kind: 'planned', stages: ['frames'], round: 0 }, 1000, 800, {}],
  [log('shard committed'), 500, 100, {}],
  [{ kind: 'finished', stages: { frames: counters(400, 1.4) } }, 1500, 900, {}],
  [{ kind: 'planned', stages: ['attach-frames', 'caption'], round: 0 }, 100, 100, {}],
  [{ kind: 'finished', stages: { 'attach-frames': counters(100, 0.2), caption: counters(100, 0.3) } }, 400, 300, {}],
  [log('epoch', { phase: 'bootstrap pretrain', epoch: 0 }), 6000, 5000, { train: { calls: 10, ms: 4000 } }],
  [log('epoch', { phase: 'bootstrap pretrain', epoch: 1 }), 0, 0, {}],
  [log('epoch', { phase: 'bootstrap finetune', epoch: 0 }), 1000, 900, { train: { calls: 2, ms: 500 } }],
  [log('bootstrap model saved'), 100, 100, {}],
  [log('judge fold 0 saved'), 2000, 1500, { probe: { calls: 5, ms: 1000 } }],
  [log('judge fold 1 saved'), 2000, 1500, { probe: { calls: 5, ms: 1000 } }],
  [log('round started', { round: 0 }), 50, 50, {}],
  [{ kind: 'planned', stages: ['attach-frames', 'caption', 'adatailr'], round: 0 }, 50, 50, {}],
  [
    { kind: 'finished', stages: { caption: counters(100, 0.5), adatailr: counters(100, 1.5) } },
    2000,
    1600,
    { score: { calls: 4, ms: 800 } },
  ],
  [log('epoch', { phase: 'round 0 pretrain', epoch: 0 }), 6000, 5400, { train: { calls: 10, ms: 4500 } }],
  [log('epoch', { phase: 'round 0 finetune', epoch: 0 }), 1000, 900, { train: { calls: 2, ms: 600 } }],
  [log('round 0 model saved'), 100, 100, {}],
  [log('round finished', { round: 0 }), 1000, 500, { score: { calls: 1, ms: 100 } }],
  [{ kind: 'end' }, 10, 10, {}],
];

function runTimeline(): PhaseTimeline {
  let at = 0;
  let activeMs = 0;
  let busyMs = 0;
  const byLabel: Record<string, LabelTime> = {};
  // the peak RSS grows 10 MB per second of wall time
  const reading = (): ClockReading => ({
    at,
    activeMs,
    ort: { busyMs, byLabel: structuredClone(byLabel) },
    peakRssMb: 400 + at / 100,
  });
  const t = new PhaseTimeline(reading());
  for (const [event, wall, active, ort] of steps) {
    at += wall;
    activeMs += active;
    for (const [k, v] of Object.entries(ort)) {
      busyMs += v.ms;
      const b = byLabel[k] ?? { calls: 0, ms: 0 };
      byLabel[k] = { calls: b.calls + v.calls, ms: b.ms + v.ms };
    }
    t.record(event, reading());
  }
  return t;
}

describe('refine bench timeline', () => {
  it('charges each interval to the phase its closing event names, in order, and the phases tile the wall time', () => {
    const phases = runTimeline().phases();
    expect(phases.map((p) => [p.name, p.group, p.wallMs])).toEqual([
      ['setup', 'job', 1000],
      ['frames', 'job', 2000],
      ['bootstrap candidates', 'bootstrap', 500],
      ['bootstrap pretrain', 'bootstrap', 6000],
      ['bootstrap finetune', 'bootstrap', 1000],
      ['bootstrap save', 'bootstrap', 100],
      ['round 0 judges', 'round 0', 4050],
      ['round 0 candidates + choice', 'round 0', 2050],
      ['round 0 pretrain', 'round 0', 6000],
      ['round 0 finetune', 'round 0', 1000],
      ['round 0 save', 'round 0', 100],
      ['round 0 eval', 'round 0', 1000],
      ['end', 'job', 10],
    ]);
    expect(sumPhases(phases, 'total').wallMs).toBe(steps.reduce((a, s) => a + s[1], 0));
    const judges = phases.find((p) => p.name === 'round 0 judges');
    expect(judges?.ortMs).toBe(2000);
    expect(judges?.ortByLabel).toEqual({ probe: { calls: 10, ms: 2000 } });
    expect(phases.find((p) => p.name === 'round 0 candidates + choice')?.stages).toEqual({
      caption: counters(100, 0.5),
      adatailr: counters(100, 1.5),
    });
  });

  it('names engine runs and groups phases', () => {
    expect(engineRunName(['frames'], 0)).toBe('frames');
    expect(engineRunName(['attach-frames', 'caption'], 0)).toBe('bootstrap candidates');
    expect(engineRunName(['attach-frames', 'caption', 'adatailr'], 2)).toBe('round 2 candidates + choice');
    expect(groupOf('round 12 eval')).toBe('round 12');
    expect(groupOf('bootstrap pretrain')).toBe('bootstrap');
    expect(groupOf('frames')).toBe('job');
  });

  it('a round after the first: its judges are charged to it, before its round started line', () => {
    const t = new PhaseTimeline({ at: 0, activeMs: 0, ort: { busyMs: 0, byLabel: {} } });
    const at = (ms: number): ClockReading => ({ at: ms, activeMs: 0, ort: { busyMs: 0, byLabel: {} } });
    t.record(log('round finished', { round: 0 }), at(10));
    t.record(log('judge fold 0 saved'), at(30));
    t.record(log('round started', { round: 1 }), at(31));
    expect(t.phases().map((p) => [p.name, p.wallMs])).toEqual([
      ['round 0 eval', 10],
      ['round 1 judges', 21],
    ]);
  });
});

describe('refine bench report', () => {
  it('splits wall time into ONNX Runtime, JavaScript and waiting, clamped to add up', () => {
    expect(splitTime({ wallMs: 100, activeMs: 70, ortMs: 40 })).toEqual({
      wallMs: 100,
      ortMs: 40,
      jsMs: 30,
      waitMs: 30,
    });
    // ORT time the event loop did not see as active (it runs on the main thread): no negative JS time
    expect(splitTime({ wallMs: 100, activeMs: 30, ortMs: 40 })).toEqual({
      wallMs: 100,
      ortMs: 40,
      jsMs: 0,
      waitMs: 60,
    });
    expect(splitTime({ wallMs: 100, activeMs: 120, ortMs: 10 })).toEqual({
      wallMs: 100,
      ortMs: 10,
      jsMs: 90,
      waitMs: 0,
    });
  });

  it('prints group subtotals, the total, shares, clips/s and ORT time per graph', () => {
    const phases = runTimeline().phases();
    const m = { clips: 100, rounds: 1, phases, maxRssMb: 500 };
    const table = phaseTable(m).split('\n');
    expect(table[0]).toBe('| phase | wall s | of total | ORT s | JS s | wait s | ORT % | JS % | peak RSS MB |');
    // bootstrap: 7.6 s of 24.81, ORT 4.5 s, main thread 6.4 s
    expect(table).toContain('| **bootstrap** | 7.6 | 31 % | 4.5 | 1.9 | 1.2 | 59 % | 25 % | 506 |');
    expect(table).toContain('|   bootstrap pretrain | 6.0 | 24 % | 4.0 | 1.0 | 1.0 | 67 % | 17 % | 495 |');
    expect(table).toContain('| **round 0** | 14.2 | 57 % | 8.0 | 3.6 | 2.6 | 56 % | 25 % | 648 |');
    expect(table.at(-1)).toBe('| **total** | 24.8 | 100 % | 12.5 | 7.3 | 5.0 | 50 % | 29 % | 648 |');
    expect(throughput(m)).toBe(
      'whole job 4.0 clips/s · round 0 7.0 clips/s\n' +
        'share of wall time: ONNX Runtime 50 % · JavaScript 29 % · waiting 20 % · peak RSS 500 MB',
    );
    expect(ortTable(phases).split('\n').slice(2)).toEqual([
      '| train | 24 | 9.6 | 400.00 | 77 % |',
      '| probe | 10 | 2.0 | 200.00 | 16 % |',
      '| score | 5 | 0.9 | 180.00 | 7 % |',
    ]);
    expect(stageTable(phases).split('\n')).toContain('| round 0 candidates + choice | adatailr | 100 | 1.5 | 67 |');
  });
});
