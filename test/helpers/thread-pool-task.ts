/** A task for the thread-pool test: squares a number after a wait, saying which thread ran it and how many tasks it was running. */
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';

let running = 0;

/** The test task. */
export default async function square(t: { n: number; waitMs: number }): Promise<{
  square: number;
  thread: number;
  busy: number;
}> {
  running++;
  const busy = running;
  await sleep(t.waitMs);
  running--;
  return { square: t.n * t.n, thread: threadId, busy };
}
