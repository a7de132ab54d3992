/**
 * The fixed queues every run shares (`cpu`, `gpu`, `control`), opened once for reading runs' job
 * states, adding their flows or removing their jobs, and closed together. Every count and removal
 * goes by job id (`<run>.s<k>-<shard>`, `<run>.b<k>`), so other runs' jobs are never touched.
 */
import { FlowProducer, Queue } from 'bullmq';
import { bullConnection, type QueueConnection } from './connection.js';
import {
  barrierJobId,
  CONTROL_QUEUE,
  parseJobId,
  QUEUE_PREFIX,
  type ResourceClass,
  resourceClasses,
  shardJobId,
} from './names.js';
import type { RunSpec } from './spec.js';

/** Job states a shard job can be in before it completes. */
export const openStates = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

/** One of {@link openStates}. */
export type OpenState = (typeof openStates)[number];

/** Handles on the fixed queues (and a flow producer, opened on first use). */
export class SharedQueues {
  readonly control: Queue;
  readonly byClass: ReadonlyMap<ResourceClass, Queue>;
  #producer: FlowProducer | undefined;
  readonly #connection: QueueConnection;
  /** With `snapshot`: each queue's id lists and the live workers, read once for this handle's life. */
  readonly #reads: Map<string, Promise<unknown>> | undefined;

  /**
   * `snapshot`: a read-only view for one command (`flywheel status` over many runs): the queues'
   * id lists and workers are read once and shared by every run it reports, not read again per run.
   */
  constructor(connection: QueueConnection, view: { readonly snapshot?: boolean } = {}) {
    this.#connection = connection;
    this.#reads = view.snapshot ? new Map() : undefined;
    // skipMetasUpdate: reading (e.g. `status`) must not write; adding a job writes the queue's meta itself
    const opts = { connection: bullConnection(connection), prefix: QUEUE_PREFIX, skipMetasUpdate: true };
    this.control = new Queue(CONTROL_QUEUE, opts);
    this.byClass = new Map(resourceClasses.map((c) => [c, new Queue(c, opts)]));
  }

  /** A flow producer on the same connection settings (opened on first use). */
  get producer(): FlowProducer {
    this.#producer ??= new FlowProducer({ connection: bullConnection(this.#connection), prefix: QUEUE_PREFIX });
    return this.#producer;
  }

  #queue(cls: ResourceClass): Queue {
    const q = this.byClass.get(cls);
    if (!q) throw new Error(`no ${cls} queue`);
    return q;
  }

  /** Ids of run `runId`'s jobs in `states` of `queue` (the whole queue is read, other runs' ids dropped). */
  async #runIds(queue: Queue, states: Parameters<Queue['getRanges']>[0], runId: string): Promise<string[]> {
    const all = await this.#read(`ranges:${queue.name}:${states.join(',')}`, () => queue.getRanges(states, 0, -1));
    return all.filter((id) => id.startsWith(`${runId}.`));
  }

  /** `read()`, or with `snapshot` its first result for `key`. */
  #read<T>(key: string, read: () => Promise<T>): Promise<T> {
    if (!this.#reads) return read();
    let p = this.#reads.get(key) as Promise<T> | undefined;
    if (!p) {
      p = read();
      this.#reads.set(key, p);
    }
    return p;
  }

  /** Per step index of the run, how many of its shard jobs are in each open state. */
  async openCounts(spec: RunSpec): Promise<Record<OpenState, number>[]> {
    const counts = spec.steps.map(() => Object.fromEntries(openStates.map((s) => [s, 0])) as Record<OpenState, number>);
    for (const cls of new Set(spec.steps.map((s) => s.class))) {
      for (const state of openStates) {
        for (const id of await this.#runIds(this.#queue(cls), [state], spec.run_id)) {
          const p = parseJobId(id);
          const c = p?.shard !== undefined ? counts[p.step] : undefined;
          if (c) c[state]++;
        }
      }
    }
    return counts;
  }

  /** Why the run failed, read from its jobs: a barrier failed (its first failed shard job's reason). */
  async failure(spec: RunSpec): Promise<string | undefined> {
    for (const [index, step] of spec.steps.entries()) {
      const id = barrierJobId(spec.run_id, index);
      if ((await this.control.getJobState(id)) !== 'failed') continue;
      const queue = this.#queue(step.class);
      const prefix = shardJobId(spec.run_id, index, '');
      const [first] = (await this.#runIds(queue, ['failed'], spec.run_id)).filter((j) => j.startsWith(prefix));
      const job = first !== undefined ? await queue.getJob(first) : undefined;
      if (job) return `step ${step.name}, ${String((job.data as { shard?: unknown }).shard)}: ${job.failedReason}`;
      return `stage barrier ${id}: ${(await this.control.getJob(id))?.failedReason ?? 'failed'}`;
    }
    return undefined;
  }

  /** Connection-level names of the workers listening on the fixed queues now (any run's workers). */
  liveWorkers(): Promise<Set<string>> {
    return this.#read('workers', () => this.#liveWorkers());
  }

  async #liveWorkers(): Promise<Set<string>> {
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

  /**
   * Removes every job of the run, in any state, and nothing else: each barrier with its children,
   * then each shard job left (a failed or completed one whose barrier went first). Returns how many
   * jobs could not be removed because a worker holds them (active).
   */
  async removeJobs(spec: RunSpec): Promise<number> {
    const run = spec.run_id;
    let locked = 0;
    const remove = async (queue: Queue, ids: readonly string[]): Promise<void> => {
      // 500 at a time: ioredis pipelines the concurrent calls
      for (let i = 0; i < ids.length; i += 500) {
        const batch = ids.slice(i, i + 500);
        const codes = await Promise.all(batch.map((id) => queue.remove(id)));
        for (const [j, code] of codes.entries()) if (code === 0 && (await queue.getJob(batch[j]))) locked++;
      }
    };
    for (const [k, step] of spec.steps.entries()) {
      await remove(this.control, [barrierJobId(run, k)]);
      await remove(
        this.#queue(step.class),
        spec.shards.map((shard) => shardJobId(run, k, shard)),
      );
    }
    return locked;
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
