/**
 * The table `npm run bench -- distributed` prints for a refine round: each configuration's wall
 * time, its speed relative to the local runner, and the machine's cores, as a Markdown table (so it
 * can go into docs/distributed.md as printed), followed by the contention note.
 */

/** One measured configuration of the refine-round benchmark. */
export interface RefineRoundRow {
  /** `local runner` or `queue, N worker(s)`. */
  readonly config: string;
  /** Worker processes (0 for the local runner). */
  readonly workers: number;
  /** Wall seconds of the whole `flywheel refine` command. */
  readonly seconds: number;
  /** Content hash of the round's model version (`metrics/round-0.json` `modelVersion`). */
  readonly modelVersion: string;
}

/** The configurations whose round model differs from the local runner's (a bench failure). */
export function hashMismatches(rows: readonly RefineRoundRow[]): RefineRoundRow[] {
  const local = rows.find((r) => r.workers === 0);
  if (!local) throw new Error('refine-round bench: no local-runner row to compare with');
  return rows.filter((r) => r.modelVersion !== local.modelVersion);
}

/**
 * The Markdown table plus the note on cores. "speed vs local" is local seconds ÷ the row's seconds,
 * so above 1.00× the queue was faster.
 */
export function formatRefineRoundTable(rows: readonly RefineRoundRow[], cores: number): string {
  const local = rows.find((r) => r.workers === 0);
  const cells = rows.map((r) => [
    r.config,
    r.seconds.toFixed(1),
    local ? `${(local.seconds / r.seconds).toFixed(2)}×` : 'n/a',
    String(cores),
  ]);
  const head = ['configuration', 'wall s', 'speed vs local', 'cores'];
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: readonly string[]): string =>
    `| ${c.map((x, i) => (i === 0 ? x.padEnd(width[i]) : x.padStart(width[i]))).join(' | ')} |`;
  const rule = `| ${width.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  const note =
    `On ${cores} core${cores === 1 ? '' : 's'}, more than ${cores} worker${cores === 1 ? '' : 's'} only adds ` +
    'contention: the workers (and the coordinator, which trains) share the same cores.';
  return [line(head), rule, ...cells.map(line), '', note].join('\n');
}
