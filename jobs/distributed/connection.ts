/**
 * The `--queue redis://host:port` option: checked at the door, then turned into BullMQ connection
 * options and flywheel's own ioredis client. Every component closes what it opened.
 */
import { Redis } from 'ioredis';

import type { QueueConnection } from './options.js';

export { parseQueueUrl, type QueueConnection } from './options.js';

/** BullMQ connection options (BullMQ opens and closes its own connections from these). */
export function bullConnection(conn: QueueConnection): { url: string; maxRetriesPerRequest: null } {
  return { url: conn.url, maxRetriesPerRequest: null };
}

/** A plain ioredis client for flywheel's bookkeeping; the caller must `quit()` it. */
export function openRedis(conn: QueueConnection): Redis {
  return new Redis(conn.url, { maxRetriesPerRequest: 3, lazyConnect: false });
}

/** Checks that Redis answers; the error names the URL (instead of ioredis' retry-limit message). */
export async function ensureReachable(redis: Redis, conn: QueueConnection): Promise<void> {
  try {
    await redis.ping();
  } catch (e) {
    throw new Error(
      `cannot reach the queue's Redis at ${conn.url}: ${(e as Error).message}; is redis-server running and reachable from here?`,
      { cause: e },
    );
  }
}

/** Closes an ioredis client, falling back to a hard disconnect if QUIT cannot be sent. */
export async function closeRedis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
