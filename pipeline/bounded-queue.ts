/**
 * An async FIFO between a producer and a consumer with back-pressure: `push` waits while the
 * policy refuses; `fail` carries an error to the consumer's iterator (and to a waiting producer).
 */
import { type BackpressurePolicy, maxItems } from './backpressure.js';

/** A bounded async queue that is also an `AsyncIterable` of its items. */
export class BoundedQueue<T> implements AsyncIterable<T> {
  readonly #items: { value: T; bytes: number }[] = [];
  readonly #policy: BackpressurePolicy;
  readonly #sizeOf: (v: T) => number;
  #bytes = 0;
  #closed = false;
  #error: unknown = undefined;
  #failed = false;
  #wakeConsumer: (() => void) | undefined;
  #wakeProducer: (() => void) | undefined;

  /**
   * @param policy when a push may proceed (default: 4 items).
   * @param sizeOf bytes of an item, for byte-budget policies (default 0).
   */
  constructor(policy: BackpressurePolicy = maxItems(4), sizeOf: (v: T) => number = () => 0) {
    this.#policy = policy;
    this.#sizeOf = sizeOf;
  }

  /** Items waiting. */
  get size(): number {
    return this.#items.length;
  }

  /** Adds an item, waiting while the policy refuses; throws the queue's failure if it failed. */
  async push(value: T): Promise<void> {
    const bytes = this.#sizeOf(value);
    for (;;) {
      if (this.#failed) throw this.#error;
      if (this.#closed) throw new Error('BoundedQueue: push after close');
      if (
        this.#items.length === 0 ||
        this.#policy.canPush({ items: this.#items.length, bytes: this.#bytes, incomingBytes: bytes })
      )
        break;
      await new Promise<void>((r) => (this.#wakeProducer = r));
    }
    this.#items.push({ value, bytes });
    this.#bytes += bytes;
    this.#wake('consumer');
  }

  /** No more items: the consumer's iteration ends once the queue drains. */
  close(): void {
    this.#closed = true;
    this.#wake('consumer');
  }

  /** Fails the queue: the consumer's next read and any waiting push throw `error`. Only the first failure is kept. */
  fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#error = error;
    this.#items.length = 0;
    this.#wake('consumer');
    this.#wake('producer');
  }

  #wake(who: 'consumer' | 'producer'): void {
    const w = who === 'consumer' ? this.#wakeConsumer : this.#wakeProducer;
    if (who === 'consumer') this.#wakeConsumer = undefined;
    else this.#wakeProducer = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#failed) throw this.#error;
      const next = this.#items.shift();
      if (next) {
        this.#bytes -= next.bytes;
        this.#wake('producer');
        yield next.value;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((r) => (this.#wakeConsumer = r));
    }
  }
}
