/**
 * Starts a private Debian `redis-server` on a free loopback port for one test file,
 * and stops it afterwards. Tests that need Redis skip (with a printed reason) where it is absent.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running private Redis server. */
export interface RedisHandle {
  /** `redis://127.0.0.1:port`, or `rediss://localhost:port` for a TLS server; never with a password. */
  url: string;
  /** The server's data directory (where SAVE writes dump.rdb). */
  dir: string;
  port: number;
  /** Stops the server (SIGTERM: with `persist` it writes its append-only file) and starts it again on the same port and dir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Why Redis tests cannot run here, or null when `redis-server` is on PATH. */
export function redisUnavailableReason(): string | null {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    return 'redis-server is not installed (apt-get install redis-server); skipping Redis tests';
  }
  return null;
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited early with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** PEM files for a TLS server: its certificate and key, and the CA that signed it. */
export interface RedisTlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** Options of {@link startRedis}: a `requirepass` password and/or TLS only (no plain port). */
export interface RedisServerOptions {
  readonly password?: string;
  readonly tls?: RedisTlsFiles;
  /** Keep the data across a restart: an append-only file fsynced on every write (what a queue that must survive a Redis restart needs). */
  readonly persist?: boolean;
}

/** Starts redis-server on a free loopback port (without persistence unless `persist`). */
export async function startRedis(opts: RedisServerOptions = {}): Promise<RedisHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'flywheel-redis-'));
  const extra = [
    ...(opts.password !== undefined ? ['--requirepass', opts.password] : []),
    ...(opts.tls
      ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', opts.tls.cert, '--tls-key-file', opts.tls.key]
      : []),
    ...(opts.tls ? ['--tls-ca-cert-file', opts.tls.ca, '--tls-auth-clients', 'no'] : []),
  ];
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    opts.persist ? 'yes' : 'no',
    ...(opts.persist ? ['--appendfsync', 'always'] : []),
    '--dir',
    dir,
    '--protected-mode',
    'yes',
    ...extra,
  ];
  let child = spawn('redis-server', args, { stdio: 'ignore' });
  await waitForPort(port, child, 10_000);
  const halt = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  };
  return {
    url: opts.tls ? `rediss://localhost:${port}` : `redis://127.0.0.1:${port}`,
    dir,
    port,
    async restart() {
      await halt();
      child = spawn('redis-server', args, { stdio: 'ignore' });
      await waitForPort(port, child, 10_000);
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
