/** The text `flywheel run --queue` and `flywheel status` print for a distributed run. */
import type { RunStatus } from '../jobs/distributed/status.js';

/** One line per step plus a header: the text `run --queue` and `status` print. */
export function formatStatus(s: RunStatus): string {
  const lines = [
    `run ${s.run_id} [${s.state}] ${s.run_dir}: ${s.shards} shards${s.pruned_at ? ` (queues pruned ${s.pruned_at})` : ''}${s.error ? `\n  error: ${s.error}` : ''}`,
  ];
  for (const st of s.steps) {
    lines.push(
      `  ${st.name.padEnd(24)} ${st.class}  done ${st.done}/${st.shards}  waiting ${st.waiting}  active ${st.active}  retrying ${st.delayed}  failed ${st.failed}`,
    );
  }
  lines.push(
    `  workers seen: ${s.workers.length}${s.workers.length ? ` (${s.workers.map((w) => `${w.id} [${w.resources.join(',')}] ${w.shards} shards${w.live ? '' : ', gone'}`).join('; ')})` : ''}`,
  );
  return lines.join('\n');
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
