/**
 * Parsing of the distributed CLI options (`--queue`, `--resources`), with no heavy imports, so
 * every `flywheel` call can register the sub-commands without loading BullMQ or ioredis.
 */
import { resourceClasses, type ResourceClass } from './names.js';

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

/** Parses `--resources` (`cpu`, `gpu`, `gpu,cpu`); the error quotes the value. */
export function parseResources(text: string): ResourceClass[] {
  const parts = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  const bad = parts.filter((p) => !(resourceClasses as readonly string[]).includes(p));
  if (parts.length === 0 || bad.length)
    throw new Error(`--resources must be a comma list of ${resourceClasses.join(', ')} (got ${JSON.stringify(text)})`);
  return [...new Set(parts as ResourceClass[])];
}

const durationUnits: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses a duration like `90s`, `30m`, `12h`, `7d` or `2w` into milliseconds; the error quotes the value. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  if (!m)
    throw new Error(
      `--older-than must be a number with a unit s, m, h, d or w, e.g. 12h or 7d (got ${JSON.stringify(text)})`,
    );
  return Math.round(Number(m[1]) * durationUnits[m[2].toLowerCase()]);
}
