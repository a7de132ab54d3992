/**
 * Redis credentials and TLS settings for the queue. They come from the `--queue` URL, the
 * `FLYWHEEL_REDIS_PASSWORD` environment variable or a `--queue-password-file`, and live only in a
 * {@link RedisSecret}, which prints, logs and serialises as `[redacted]`: a password never reaches
 * stdout, stderr, pino logs or run records.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';

/** Environment variable that may hold the queue's Redis password. */
export const PASSWORD_ENV = 'FLYWHEEL_REDIS_PASSWORD';

/** Where the password came from, for error messages (never the password itself). */
export type PasswordSource = 'url' | 'env' | 'file';

/** The ioredis options a secret contributes; handed only to ioredis/BullMQ constructors. */
export interface RedisAuthOptions {
  username?: string;
  password?: string;
  tls?: { ca?: Buffer; servername?: string };
}

/** Credentials that refuse to be printed: `String`, `JSON.stringify` and `util.inspect` show `[redacted]`. */
export class RedisSecret {
  readonly #password: string | undefined;
  readonly #username: string | undefined;
  readonly #ca: Buffer | undefined;
  /** Where the password came from (`url`, `env` or `file`), if there is one. */
  readonly passwordSource: PasswordSource | undefined;
  /** The CA file path given for TLS (a path is not secret). */
  readonly caFile: string | undefined;

  constructor(o: { password?: string; username?: string; passwordSource?: PasswordSource; caFile?: string }) {
    this.#password = o.password;
    this.#username = o.username;
    this.passwordSource = o.password === undefined ? undefined : o.passwordSource;
    this.caFile = o.caFile;
    this.#ca = o.caFile === undefined ? undefined : readSecretFile(o.caFile, '--queue-ca');
    Object.freeze(this);
  }

  /** True when a password will be sent. */
  get hasPassword(): boolean {
    return this.#password !== undefined;
  }

  /** Options for ioredis; `tls` only for `rediss://` URLs. */
  ioredisOptions(tls: boolean): RedisAuthOptions {
    const o: RedisAuthOptions = {};
    if (this.#username !== undefined) o.username = this.#username;
    if (this.#password !== undefined) o.password = this.#password;
    if (tls && this.#ca !== undefined) o.tls = { ca: this.#ca };
    return o;
  }

  /** Serialises as `[redacted]`. */
  toJSON(): string {
    return '[redacted]';
  }

  /** Prints as `[redacted]`. */
  toString(): string {
    return '[redacted]';
  }

  /** `util.inspect` (console.log, pino's fallbacks) shows `[redacted]`. */
  [inspect.custom](): string {
    return '[redacted]';
  }
}

/** Reads a secret or CA file; the error names the flag and path, never the content. */
export function readSecretFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`${flag} ${path}: ${(e as NodeJS.ErrnoException).code ?? 'cannot be read'}`, { cause: e });
  }
}

/** Reads a password file: its first line, without the newline. */
export function readPasswordFile(path: string): string {
  const text = readSecretFile(path, '--queue-password-file').toString('utf8');
  const first = text.split(/\r?\n/)[0] ?? '';
  if (first === '') throw new Error(`--queue-password-file ${path}: the file is empty`);
  return first;
}

/** True when an error from Redis means the credentials were refused. */
export function isAuthError(e: unknown): boolean {
  const m = e instanceof Error ? e.message : String(e);
  return /WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(m);
}
