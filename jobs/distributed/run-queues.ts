/**
 * The BullMQ queues of one run, opened together for reading state or adding flows, and closed
 * together. Shard jobs of step k have ids `s<k>-<shard>`, so per-step counts come from id ranges.
 */
import { FlowProducer, Queue } from 'bullmq';
import { bullConnection, type QueueConnection } from './connection.js';
import { controlQueueName, QUEUE_PREFIX, type ResourceClass, shardQueueName } from './names.js';
import type { RunSpec } from './spec.js';

/** Job states a shard job can be in before it completes. */
export const openStates = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

/** One of {@link openStates}. */
export type OpenState = (typeof openStates)[number];

/** The control queue and one queue per resource class a run uses. */
export class RunQueues {
  readonly control: Queue;
  readonly byClass: ReadonlyMap<ResourceClass, Queue>;
  readonly #spec: RunSpec;
  #producer: FlowProducer | undefined;
  readonly #connection: QueueConnection;

  constructor(connection: QueueConnection, spec: RunSpec) {
    this.#spec = spec;
    this.#connection = connection;
    // skipMetasUpdate: opening a run's queues (e.g. `status` of a pruned run) must not create keys;
    // adding a job writes the queue's meta itself
    const opts = { connection: bullConnection(connection), prefix: QUEUE_PREFIX, skipMetasUpdate: true };
    this.control = new Queue(controlQueueName(spec.run_id), opts);
    const byClass = new Map<ResourceClass, Queue>();
    for (const s of spec.steps)
      if (!byClass.has(s.class)) byClass.set(s.class, new Queue(shardQueueName(spec.run_id, s.class), opts));
    this.byClass = byClass;
  }

  /** A flow producer on the same connection settings (opened on first use). */
  get producer(): FlowProducer {
    this.#producer ??= new FlowProducer({ connection: bullConnection(this.#connection), prefix: QUEUE_PREFIX });
    return this.#producer;
  }

  /** Per step index, how many of its shard jobs are in each open state. */
  async openCounts(): Promise<Record<OpenState, number>[]> {
    const counts = this.#spec.steps.map(
      () => Object.fromEntries(openStates.map((s) => [s, 0])) as Record<OpenState, number>,
    );
    for (const queue of this.byClass.values()) {
      for (const state of openStates) {
        for (const id of await queue.getRanges([state], 0, -1)) {
          const m = /^s(\d+)-/.exec(id);
          const c = m ? counts[Number(m[1])] : undefined;
          if (c) c[state]++;
        }
      }
    }
    return counts;
  }

  /** Why the run failed, read from its queues: a barrier failed (its first failed shard job's reason). */
  async failure(): Promise<string | undefined> {
    const [barrier] = await this.control.getJobs(['failed'], 0, 0);
    if (!barrier) return undefined;
    for (const [index, step] of this.#spec.steps.entries()) {
      const queue = this.byClass.get(step.class);
      for (const job of (await queue?.getJobs(['failed'], 0, 20)) ?? []) {
        if (job.id?.startsWith(`s${index}-`))
          return `step ${step.name}, ${String((job.data as { shard?: unknown }).shard)}: ${job.failedReason}`;
      }
    }
    return `stage barrier ${barrier.id}: ${barrier.failedReason}`;
  }

  /** Connection-level names of the workers listening on the run's queues now. */
  async liveWorkers(): Promise<Set<string>> {
    const names = new Set<string>();
    for (const q of [this.control, ...this.byClass.values()]) {
      // BullMQ names a named worker's connection `<queue client name>:w:<worker name>`
      for (const w of await q.getWorkers()) {
        const raw = (w as { rawname?: unknown }).rawname;
        const at = typeof raw === 'string' ? raw.indexOf(':w:') : -1;
        if (typeof raw === 'string' && at >= 0) names.add(raw.slice(at + 3));
      }
    }
    return names;
  }

  /** Jobs being processed now, over all the run's queues. */
  async activeJobs(): Promise<number> {
    let n = 0;
    for (const q of [this.control, ...this.byClass.values()]) n += await q.getActiveCount();
    return n;
  }

  /** Deletes every job and every key of the run's queues (to re-queue or prune a finished or failed run). */
  async obliterate(): Promise<void> {
    // shard queues first: BullMQ's obliterate skips jobs waiting for children, so a barrier whose
    // shard jobs were never run must first be released (removing its last child moves it to the
    // control queue's wait list), then the control queue is emptied
    for (const q of [...this.byClass.values(), this.control]) await q.obliterate({ force: true });
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    await Promise.all([
      this.control.close(),
      ...[...this.byClass.values()].map((q) => q.close()),
      this.#producer?.close(),
    ]);
  }
}
