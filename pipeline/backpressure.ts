/**
 * Back-pressure rules for the bounded queues between stages, each a tiny named policy.
 * A queue accepts a push only when every policy agrees (AND); an empty queue always accepts,
 * so one oversized batch can still flow and downstream can always drain.
 */

/** What a policy sees: the queue's current content and the size of the batch being pushed. */
export interface QueueState {
  readonly items: number;
  readonly bytes: number;
  readonly incomingBytes: number;
}

/** One rule deciding whether a queue may take another batch now. */
export interface BackpressurePolicy {
  readonly name: string;
  canPush(state: QueueState): boolean;
}

/** At most `n` batches waiting. */
export function maxItems(n: number): BackpressurePolicy {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`maxItems: expected a positive integer, got ${n}`);
  return { name: `maxItems(${n})`, canPush: (s) => s.items < n };
}

/** At most `budget` bytes of batches waiting (counting the incoming one). */
export function maxBytes(budget: number): BackpressurePolicy {
  if (!(budget > 0)) throw new RangeError(`maxBytes: expected a positive byte budget, got ${budget}`);
  return { name: `maxBytes(${budget})`, canPush: (s) => s.bytes + s.incomingBytes <= budget };
}

/** All policies must agree. */
export function allOf(...policies: BackpressurePolicy[]): BackpressurePolicy {
  return { name: policies.map((p) => p.name).join(' & '), canPush: (s) => policies.every((p) => p.canPush(s)) };
}

/** The default between stages: 4 batches and 256 MiB. */
export const defaultQueuePolicy: BackpressurePolicy = allOf(maxItems(4), maxBytes(256 * 1024 * 1024));
