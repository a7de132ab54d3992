/**
 * The `--queue redis://host:port` option: checked at the door, then turned into BullMQ connection
 * options and flywheel's own ioredis client. Every component closes what it opened.
 */
import { Redis } from 'ioredis';

import { isAuthError, PASSWORD_ENV, type RedisAuthOptions } from './credentials.js';
import type { QueueConnection } from './options.js';

export { parseQueueUrl, withCredentials, type QueueConnection } from './options.js';

/** ioredis options carrying the connection's credentials, and TLS for `rediss://`. */
function authOptions(conn: QueueConnection): RedisAuthOptions {
  const tls = conn.url.startsWith('rediss:');
  const o = conn.secret?.ioredisOptions(tls) ?? {};
  return tls && o.tls === undefined ? { ...o, tls: {} } : o;
}

/** BullMQ connection options (BullMQ opens and closes its own connections from these). */
export function bullConnection(conn: QueueConnection): RedisAuthOptions & { url: string; maxRetriesPerRequest: null } {
  return { url: conn.url, maxRetriesPerRequest: null, ...authOptions(conn) };
}

/**
 * A plain ioredis client for flywheel's bookkeeping; the caller must `quit()` it. Connection errors
 * are kept for {@link ensureReachable}'s message instead of being dumped by ioredis as stack traces.
 */
export function openRedis(conn: QueueConnection): Redis {
  const redis = new Redis(conn.url, { maxRetriesPerRequest: 3, lazyConnect: false, ...authOptions(conn) });
  redis.on('error', (e: Error) => lastErrors.set(redis, e));
  return redis;
}

const lastErrors = new WeakMap<Redis, Error>();

/** Checks that Redis answers; the error names the URL (never a password) and says what to fix. */
export async function ensureReachable(redis: Redis, conn: QueueConnection): Promise<void> {
  try {
    await redis.ping();
  } catch (e) {
    const seen = lastErrors.get(redis) ?? e;
    if (isAuthError(seen) || isAuthError(e)) {
      const from = conn.secret?.passwordSource;
      const why =
        from === undefined
          ? `it needs a password: give it in the URL, $${PASSWORD_ENV} or --queue-password-file`
          : `password from ${from === 'url' ? 'the --queue URL' : from === 'env' ? `$${PASSWORD_ENV}` : '--queue-password-file'}`;
      throw new Error(`the queue's Redis at ${conn.url} refused the credentials (${why})`, { cause: e });
    }
    if (/certificate/i.test(seen instanceof Error ? seen.message : String(seen)))
      throw new Error(
        `the queue's Redis at ${conn.url} has a TLS certificate this machine does not trust (${(seen as Error).message}); pass the CA that signed it with --queue-ca <ca.pem>`,
        { cause: e },
      );
    throw new Error(
      `cannot reach the queue's Redis at ${conn.url}: ${seen instanceof Error ? seen.message : String(seen)}; is redis-server running and reachable from here?`,
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
