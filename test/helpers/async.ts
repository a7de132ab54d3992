/** Async-iteration helpers for tests. */

/** The items, in order, as an async iterable (a stream source that needs nothing to await). */
export function fromItems<T>(items: readonly T[]): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const it = items[Symbol.iterator]();
      return { next: () => Promise.resolve(it.next()) };
    },
  };
}
