/**
 * Parsing of the distributed CLI options (`--queue`, `--resources`), with no heavy imports, so
 * every `flywheel` call can register the sub-commands without loading BullMQ or ioredis.
 */
import { readPasswordFile, RedisSecret, PASSWORD_ENV, type PasswordSource } from './credentials.js';
import { resourceClasses, type ResourceClass } from './names.js';

/**
 * Where the queues live: a `redis://` or `rediss://` URL (`redis://[user[:pass]@]host:port[/db]`).
 * `url` never carries a password, so it is safe to print, log and store; credentials sit in `secret`.
 */
export interface QueueConnection {
  readonly url: string;
  readonly secret?: RedisSecret;
}

/** Where credentials other than the URL's come from (flags and environment). */
export interface CredentialSources {
  /** `--queue-password-file`: a file whose first line is the password. */
  readonly passwordFile?: string;
  /** `--queue-ca`: a PEM CA bundle for `rediss://` servers with a private CA. */
  readonly caFile?: string;
  /** Environment to read {@link PASSWORD_ENV} from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

/** Replaces the password of any URL in `text` with `***`, for messages that quote user input. */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1:***@');
}

/**
 * Checks a queue URL and returns it as a {@link QueueConnection}, moving any password out of the URL
 * into the connection's secret. Errors quote the value with its password masked.
 */
export function parseQueueUrl(url: string): QueueConnection {
  const shown = JSON.stringify(redactUrl(url));
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--queue must be a redis://host:port URL (got ${shown})`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`--queue must use redis:// or rediss:// (got ${shown})`);
  }
  if (parsed.hostname === '') throw new Error(`--queue has no host (got ${shown})`);
  const password = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  const username = parsed.username === '' ? undefined : decodeURIComponent(parsed.username);
  parsed.password = '';
  parsed.username = '';
  const clean = parsed.toString().replace(/\/$/, '');
  if (password === undefined && username === undefined) return { url: clean };
  return { url: clean, secret: new RedisSecret({ password, username, passwordSource: 'url' }) };
}

/**
 * Adds the password from `--queue-password-file` or {@link PASSWORD_ENV} (in that order, when the URL
 * had none) and the `--queue-ca` bundle to a parsed connection.
 */
export function withCredentials(conn: QueueConnection, sources: CredentialSources = {}): QueueConnection {
  const env = sources.env ?? process.env;
  const fromUrl = conn.secret?.hasPassword === true;
  let password: string | undefined;
  let passwordSource: PasswordSource | undefined;
  if (!fromUrl && sources.passwordFile !== undefined) {
    password = readPasswordFile(sources.passwordFile);
    passwordSource = 'file';
  } else if (!fromUrl && env[PASSWORD_ENV] !== undefined && env[PASSWORD_ENV] !== '') {
    password = env[PASSWORD_ENV];
    passwordSource = 'env';
  }
  if (password === undefined && sources.caFile === undefined) return conn;
  const { password: urlPassword, username } = recoverUrlAuth(conn);
  return {
    url: conn.url,
    secret: new RedisSecret({
      password: password ?? urlPassword,
      username,
      passwordSource: passwordSource ?? conn.secret?.passwordSource,
      caFile: sources.caFile ?? conn.secret?.caFile,
    }),
  };
}

function recoverUrlAuth(conn: QueueConnection): { password?: string; username?: string } {
  const o = conn.secret?.ioredisOptions(false) ?? {};
  return { password: o.password, username: o.username };
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

/**
 * Parses a duration like `90s`, `30m`, `12h`, `7d` or `2w` into milliseconds; the error names
 * `flag` (default `--older-than`) and quotes the value.
 */
export function parseDuration(text: string, flag = '--older-than'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  if (!m)
    throw new Error(
      `${flag} must be a number with a unit s, m, h, d or w, e.g. 12h or 7d (got ${JSON.stringify(text)})`,
    );
  return Math.round(Number(m[1]) * durationUnits[m[2].toLowerCase()]);
}
