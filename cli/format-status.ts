/** The text `flywheel run --queue` and `flywheel status` print for distributed runs. */
import type { RunStatus, StepStatus } from '../jobs/distributed/status.js';

function stepLine(st: StepStatus, indent: string): string {
  return `${indent}${st.name.padEnd(24)} ${st.class}  done ${st.done}/${st.shards}  waiting ${st.waiting}  active ${st.active}  retrying ${st.delayed}  failed ${st.failed}`;
}

function pruned(s: RunStatus): string {
  return s.pruned_at ? ` (queues pruned ${s.pruned_at})` : '';
}

/** One line per step plus a header: the text `run --queue` and `status --run` print. */
export function formatStatus(s: RunStatus): string {
  const lines = [
    `run ${s.run_id} [${s.state}] ${s.run_dir}: ${s.shards} shards${pruned(s)}${s.error ? `\n  error: ${s.error}` : ''}`,
  ];
  for (const st of s.steps) lines.push(stepLine(st, '  '));
  lines.push(
    `  workers seen: ${s.workers.length}${s.workers.length ? ` (${s.workers.map((w) => `${w.id} [${w.resources.join(',')}] ${w.shards} shards${w.live ? '' : ', gone'}`).join('; ')})` : ''}`,
  );
  return lines.join('\n');
}

/**
 * One job (a refine job's frames run, bootstrap and rounds; a schedule's ticks): a header with the
 * job's state, then each of its runs in the order they were first planned, with its steps' done/total.
 */
export function formatJob(dir: string, runs: readonly RunStatus[]): string {
  const sorted = [...runs].sort(
    (a, b) =>
      (a.job?.planned_at ?? '').localeCompare(b.job?.planned_at ?? '') ||
      (a.job?.name ?? '').localeCompare(b.job?.name ?? ''),
  );
  const state = runs.some((r) => r.state === 'failed')
    ? 'failed'
    : runs.some((r) => r.state === 'running')
      ? 'running'
      : 'done';
  const done = runs.filter((r) => r.state === 'done').length;
  const lines = [`job ${dir} [${state}]: ${runs.length} runs, ${done} done`];
  for (const r of sorted) {
    lines.push(
      `  ${r.job?.name ?? r.run_dir} [${r.state}] run ${r.run_id}: ${r.shards} shards${pruned(r)}${r.error ? `\n    error: ${r.error}` : ''}`,
    );
    for (const st of r.steps) lines.push(stepLine(st, '    '));
  }
  return lines.join('\n');
}

/**
 * What `flywheel status` lists: the runs of one job grouped under it ({@link formatJob}), placed
 * where the job's newest run falls in `runs`; runs queued outside a job (`flywheel run --queue`)
 * each as {@link formatStatus}.
 */
export function formatRunList(runs: readonly RunStatus[]): string {
  const jobs = new Map<string, RunStatus[]>();
  const order: (RunStatus | string)[] = [];
  for (const r of runs) {
    if (!r.job) {
      order.push(r);
      continue;
    }
    const list = jobs.get(r.job.dir);
    if (list) list.push(r);
    else {
      jobs.set(r.job.dir, [r]);
      order.push(r.job.dir);
    }
  }
  return order.map((x) => (typeof x === 'string' ? formatJob(x, jobs.get(x) ?? []) : formatStatus(x))).join('\n\n');
}

/** One line: every fixed queue's jobs per state, over all runs (what `status` prints after the runs). */
export function formatQueueCounts(counts: Record<string, Record<string, number>>): string {
  const queues = Object.entries(counts).map(
    ([name, c]) =>
      `${name} ${Object.entries(c)
        .map(([state, n]) => `${state} ${n}`)
        .join(', ')}`,
  );
  return `queues (all runs): ${queues.join('; ')}`;
}
