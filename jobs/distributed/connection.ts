/**
 * The `--queue redis://host:port` option: checked at the door, then turned into BullMQ connection
 * options and flywheel's own ioredis client. Every component closes what it opened.
 */
import { Redis } from 'ioredis';

/** Where the queues live: a `redis://` or `rediss://` URL (`redis://[user:pass@]host:port[/db]`). */
export interface QueueConnection {
  readonly url: string;
}

/** Checks a queue URL and returns it as a {@link QueueConnection}; the error quotes the value it got. */
export function parseQueueUrl(url: string): QueueConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--queue must be a redis://host:port URL (got ${JSON.stringify(url)})`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`--queue must use redis:// or rediss:// (got ${JSON.stringify(url)})`);
  }
  if (parsed.hostname === '') throw new Error(`--queue has no host (got ${JSON.stringify(url)})`);
  return { url };
}

/** BullMQ connection options (BullMQ opens and closes its own connections from these). */
export function bullConnection(conn: QueueConnection): { url: string; maxRetriesPerRequest: null } {
  return { url: conn.url, maxRetriesPerRequest: null };
}

/** A plain ioredis client for flywheel's bookkeeping; the caller must `quit()` it. */
export function openRedis(conn: QueueConnection): Redis {
  return new Redis(conn.url, { maxRetriesPerRequest: 3, lazyConnect: false });
}

/** Closes an ioredis client, falling back to a hard disconnect if QUIT cannot be sent. */
export async function closeRedis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
