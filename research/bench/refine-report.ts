/**
 * The refine bench's report: wall time per phase (grouped by job setup, bootstrap and round), each
 * split into time in ONNX Runtime, JavaScript on the main thread, and waiting (I/O, ffmpeg child
 * processes); clips/s; the engine's per-stage counters; and ONNX Runtime time per graph. Pure, so
 * the arithmetic is tested (`test/research/bench-refine-report.test.ts`).
 */
import type { LabelTime } from '../../models/ort-clock.js';
import type { PhaseTime } from './refine-timeline.js';

/** Wall time split three ways (ms); the parts add up to the wall time. */
export interface TimeSplit {
  readonly wallMs: number;
  /** In ONNX Runtime `session.run` (on the main thread). */
  readonly ortMs: number;
  /** The main thread running anything else: our JavaScript, Arrow/Parquet (wasm), tokenizers. */
  readonly jsMs: number;
  /** The main thread idle: waiting for files, ffmpeg child processes, timers. */
  readonly waitMs: number;
}

/** Splits a phase's (or a sum's) wall time into ONNX Runtime, JavaScript and waiting. */
export function splitTime(t: Pick<PhaseTime, 'wallMs' | 'activeMs' | 'ortMs'>): TimeSplit {
  const ortMs = Math.min(t.ortMs, t.wallMs);
  const active = Math.min(Math.max(t.activeMs, ortMs), t.wallMs);
  return { wallMs: t.wallMs, ortMs, jsMs: active - ortMs, waitMs: t.wallMs - active };
}

/** The sum of some phases' times (labels merged). */
export function sumPhases(phases: readonly PhaseTime[], name: string): PhaseTime {
  const byLabel: Record<string, LabelTime> = {};
  for (const p of phases)
    for (const [k, v] of Object.entries(p.ortByLabel)) {
      const b = byLabel[k] ?? { calls: 0, ms: 0 };
      byLabel[k] = { calls: b.calls + v.calls, ms: b.ms + v.ms };
    }
  return {
    name,
    group: name,
    wallMs: phases.reduce((a, p) => a + p.wallMs, 0),
    activeMs: phases.reduce((a, p) => a + p.activeMs, 0),
    ortMs: phases.reduce((a, p) => a + p.ortMs, 0),
    ortByLabel: byLabel,
    peakRssMb: Math.max(0, ...phases.map((p) => p.peakRssMb)),
  };
}

/** Phases grouped in order of first appearance (`job`, `bootstrap`, `round 0`, …). */
export function groupPhases(phases: readonly PhaseTime[]): { group: string; phases: PhaseTime[] }[] {
  const out: { group: string; phases: PhaseTime[] }[] = [];
  for (const p of phases) {
    const g = out.find((x) => x.group === p.group);
    if (g) g.phases.push(p);
    else out.push({ group: p.group, phases: [p] });
  }
  return out;
}

/** A Markdown table. */
export function mdTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const s1 = (ms: number): string => (ms / 1000).toFixed(1);
const pct = (part: number, whole: number): string => (whole > 0 ? `${Math.round((100 * part) / whole)} %` : '–');

function row(label: string, t: PhaseTime, total: number): string[] {
  const x = splitTime(t);
  return [
    label,
    s1(x.wallMs),
    pct(x.wallMs, total),
    s1(x.ortMs),
    s1(x.jsMs),
    s1(x.waitMs),
    pct(x.ortMs, x.wallMs),
    pct(x.jsMs, x.wallMs),
    t.peakRssMb.toFixed(0),
  ];
}

/** What one refine bench run measured. */
export interface RefineMeasure {
  readonly clips: number;
  readonly rounds: number;
  readonly phases: readonly PhaseTime[];
  /** Peak resident set size of the process, MB. */
  readonly maxRssMb: number;
}

/** The per-phase table with a subtotal per group and the total; peak RSS is the process's peak when the phase ended. */
export function phaseTable(m: RefineMeasure): string {
  const total = sumPhases(m.phases, 'total');
  const rows: string[][] = [];
  for (const g of groupPhases(m.phases)) {
    rows.push(row(`**${g.group}**`, sumPhases(g.phases, g.group), total.wallMs));
    for (const p of g.phases) rows.push(row(`  ${p.name}`, p, total.wallMs));
  }
  rows.push(row('**total**', total, total.wallMs));
  return mdTable(['phase', 'wall s', 'of total', 'ORT s', 'JS s', 'wait s', 'ORT %', 'JS %', 'peak RSS MB'], rows);
}

/** The engine's counters of each engine-run phase (stage seconds overlap: the stages of a run stream into each other). */
export function stageTable(phases: readonly PhaseTime[]): string {
  const rows: string[][] = [];
  for (const p of phases)
    for (const [stage, c] of Object.entries(p.stages ?? {}))
      rows.push([p.name, stage, String(c.rows_out), c.seconds.toFixed(1), c.rows_per_s.toFixed(0)]);
  return mdTable(['engine run', 'stage', 'rows out', 'stage s', 'rows/s'], rows);
}

/** ONNX Runtime time per graph, largest first. */
export function ortTable(phases: readonly PhaseTime[]): string {
  const all = sumPhases(phases, 'total').ortByLabel;
  const sum = Object.values(all).reduce((a, v) => a + v.ms, 0);
  const rows = Object.entries(all)
    .sort((a, b) => b[1].ms - a[1].ms)
    .map(([label, v]) => [label, String(v.calls), s1(v.ms), (v.ms / v.calls).toFixed(2), pct(v.ms, sum)]);
  return mdTable(['graph', 'runs', 's', 'ms/run', 'of ORT'], rows);
}

/** Clips per second over the whole job and over each round. */
export function throughput(m: RefineMeasure): string {
  const total = sumPhases(m.phases, 'total');
  const parts = [`whole job ${(m.clips / (total.wallMs / 1000)).toFixed(1)} clips/s`];
  for (const g of groupPhases(m.phases))
    if (g.group.startsWith('round '))
      parts.push(`${g.group} ${(m.clips / (sumPhases(g.phases, g.group).wallMs / 1000)).toFixed(1)} clips/s`);
  const x = splitTime(total);
  return (
    `${parts.join(' · ')}\n` +
    `share of wall time: ONNX Runtime ${pct(x.ortMs, x.wallMs)} · JavaScript ${pct(x.jsMs, x.wallMs)} · waiting ${pct(x.waitMs, x.wallMs)}` +
    ` · peak RSS ${m.maxRssMb.toFixed(0)} MB`
  );
}

/** The whole report. */
export function formatRefineReport(m: RefineMeasure, header: string): string {
  return [
    header,
    '',
    phaseTable(m),
    '',
    throughput(m),
    '',
    'Engine stages:',
    '',
    stageTable(m.phases),
    '',
    'ONNX Runtime per graph:',
    '',
    ortTable(m.phases),
    '',
  ].join('\n');
}
