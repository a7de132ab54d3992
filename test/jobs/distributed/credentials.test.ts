/**
 * Credentials stay secret: against a `requirepass` Redis, a password given in the `--queue` URL, in
 * $FLYWHEEL_REDIS_PASSWORD or in a `--queue-password-file` is never printed, logged or stored (every
 * output, every file of the run and every Redis value is searched for it); a wrong password is one
 * clean line, no ioredis stack trace; `rediss://` works with a private CA given by `--queue-ca`.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQueueUrl, redactUrl, withCredentials } from '../../../jobs/distributed/options.js';
import { synthVideo } from '../../helpers/videos.js';
import { runCli, startCli, type CliResult } from '../../helpers/cli.js';
import {
  redisUnavailableReason,
  startRedis,
  type RedisHandle,
  type RedisTlsFiles,
} from '../../helpers/redis-server.js';
import { videoManifestLines } from './fixtures/stages.js';

const run = promisify(execFile);
const skip = redisUnavailableReason();
if (skip) console.warn(`[test/jobs/distributed/credentials] ${skip}`);
const noOpenssl = spawnSync('openssl', ['version']).status === 0 ? null : 'openssl is not installed; skipping TLS';
if (noOpenssl) console.warn(`[test/jobs/distributed/credentials] ${noOpenssl}`);

describe('queue URLs and credentials (no server)', () => {
  it('moves the password out of the URL and masks it in every form', () => {
    const c = parseQueueUrl('redis://alice:p%40ss@db.example:6380/2');
    expect(c.url).toBe('redis://db.example:6380/2');
    expect(JSON.stringify(c)).not.toContain('p@ss');
    expect(String(c.secret)).toBe('[redacted]');
    expect(c.secret?.ioredisOptions(false)).toEqual({ username: 'alice', password: 'p@ss' });
    expect(() => parseQueueUrl('http://:hunter2@x')).toThrow('(got "http://:***@x")');
    expect(redactUrl('at rediss://u:hunter2@h:1 and redis://:x@y')).toBe('at rediss://u:***@h:1 and redis://:***@y');
  });

  it('takes the URL password first, then the file, then the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flywheel-cred-'));
    const file = join(dir, 'pw');
    writeFileSync(file, 'from-file\n');
    const env = { FLYWHEEL_REDIS_PASSWORD: 'from-env' };
    const pw = (c: ReturnType<typeof parseQueueUrl>): string | undefined => c.secret?.ioredisOptions(false).password;
    expect(pw(withCredentials(parseQueueUrl('redis://:from-url@h'), { passwordFile: file, env }))).toBe('from-url');
    expect(pw(withCredentials(parseQueueUrl('redis://h'), { passwordFile: file, env }))).toBe('from-file');
    expect(pw(withCredentials(parseQueueUrl('redis://h'), { env }))).toBe('from-env');
    expect(pw(withCredentials(parseQueueUrl('redis://h'), { env: {} }))).toBeUndefined();
    expect(() => withCredentials(parseQueueUrl('redis://h'), { passwordFile: join(dir, 'none') })).toThrow(
      /--queue-password-file .*none: ENOENT/,
    );
    rmSync(dir, { recursive: true, force: true });
  });
});

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every value Redis holds, as text, whatever the key's type. */
async function everyRedisValue(redis: Redis): Promise<string> {
  const out: string[] = [];
  for (const key of await redis.keys('*')) {
    const type = await redis.type(key);
    const v =
      type === 'string'
        ? await redis.get(key)
        : type === 'hash'
          ? await redis.hgetall(key)
          : type === 'list'
            ? await redis.lrange(key, 0, -1)
            : type === 'set'
              ? await redis.smembers(key)
              : type === 'zset'
                ? await redis.zrange(key, '0', '-1')
                : type === 'stream'
                  ? await redis.xrange(key, '-', '+')
                  : null;
    out.push(key, JSON.stringify(v));
  }
  return out.join('\n');
}

describe.skipIf(skip !== null)('a password-protected queue', () => {
  const password = `pw-${randomBytes(8).toString('hex')}`;
  let redis: RedisHandle;
  let dir: string;
  const outputs: CliResult[] = [];

  beforeAll(async () => {
    redis = await startRedis({ password });
    dir = mkdtempSync(join(tmpdir(), 'flywheel-cred-run-'));
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs with the password from the URL, the environment and a file, and never shows or stores it', async () => {
    const media = join(dir, 'media');
    mkdirSync(media);
    await synthVideo(join(media, 'v.mp4'), { source: 'testsrc2=size=64x48:rate=10:duration=4' });
    writeFileSync(join(dir, 'clips.jsonl'), videoManifestLines(4, ['v.mp4'], 4));
    const config = join(dir, 'job.json');
    writeFileSync(
      config,
      JSON.stringify({
        run_dir: 'run',
        manifest: 'clips.jsonl',
        media_root: 'media',
        shard_size: 2,
        stages: { frames: { count: 2, width: 16, height: 12, concurrency: 1 } },
      }),
    );
    const pwFile = join(dir, 'redis-password');
    writeFileSync(pwFile, `${password}\n`);
    const withUrl = redis.url.replace('redis://', `redis://:${password}@`);

    const worker = startCli(['worker', '--queue', redis.url, '--poll-ms', '200'], {
      env: { ...process.env, FLYWHEEL_REDIS_PASSWORD: password },
    });
    const queued = await runCli(['run', '--queue', withUrl, config]);
    outputs.push(queued);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stdout).toContain(`on ${redis.url}; follow with: flywheel status --queue ${redis.url} --run`);
    expect(queued.stdout).toMatch(/run \S+ \[done\]/);
    const status = await runCli(['status', '--queue', redis.url, '--queue-password-file', pwFile]);
    outputs.push(status);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/frames\s+cpu\s+done 2\/2/);

    worker.child.kill('SIGTERM');
    outputs.push(await worker.done);
    expect(outputs.at(-1)?.stderr).toContain('worker ready');

    for (const o of outputs) expect(`${o.stdout}\n${o.stderr}`).not.toContain(password);
    const stored = filesUnder(dir).filter((f) => f !== pwFile);
    expect(stored.some((f) => f.includes(join('run', 'ledger')))).toBe(true);
    for (const f of stored) expect(readFileSync(f).includes(password), f).toBe(false);
    const admin = new Redis(redis.url, { password });
    try {
      const values = await everyRedisValue(admin);
      expect(values.length).toBeGreaterThan(100); // the run's records are there, and were searched
      expect(values).not.toContain(password);
    } finally {
      await admin.quit();
    }
  });

  it('a wrong or missing password is one clean line naming where the password came from', async () => {
    const config = join(dir, 'job.json');
    const wrong = await runCli(['run', '--queue', redis.url.replace('redis://', 'redis://:not-it@'), config]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toBe(
      `flywheel: the queue's Redis at ${redis.url} refused the credentials (password from the --queue URL)`,
    );
    const env = { ...process.env, FLYWHEEL_REDIS_PASSWORD: 'not-it-either' };
    const fromEnv = await runCli(['status', '--queue', redis.url], { env });
    expect(fromEnv.stderr.trim()).toBe(
      `flywheel: the queue's Redis at ${redis.url} refused the credentials (password from $FLYWHEEL_REDIS_PASSWORD)`,
    );
    const none = await runCli(['status', '--queue', redis.url], {
      env: { ...process.env, FLYWHEEL_REDIS_PASSWORD: '' },
    });
    expect(none.stderr).toContain('refused the credentials (it needs a password');
    for (const o of [wrong, fromEnv, none]) {
      expect(o.stderr).not.toMatch(/ReplyError|\n\s+at /);
      expect(o.stderr).not.toContain('not-it');
    }
  });
});

describe.skipIf(skip !== null || noOpenssl !== null)('rediss:// with a private CA', () => {
  it('connects with --queue-ca and explains the missing CA without a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flywheel-tls-'));
    const tls = await makeTls(dir);
    const redis = await startRedis({ password: 'tls-pw', tls });
    try {
      const env = { ...process.env, FLYWHEEL_REDIS_PASSWORD: 'tls-pw' };
      const ok = await runCli(['status', '--queue', redis.url, '--queue-ca', tls.ca], { env });
      expect(ok.stderr).toBe('');
      expect(ok.stdout.trim()).toBe(`no runs in ${redis.url}`);
      const untrusted = await runCli(['status', '--queue', redis.url], { env });
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toContain('has a TLS certificate this machine does not trust');
      expect(untrusted.stderr).toContain('--queue-ca <ca.pem>');
      expect(untrusted.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A private CA and a server certificate for localhost, made with the openssl CLI. */
async function makeTls(dir: string): Promise<RedisTlsFiles> {
  const f = (n: string): string => join(dir, n);
  const ssl = (...args: string[]): Promise<unknown> => run('openssl', args);
  await ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-subj',
    '/CN=flywheel-test-ca',
  );
  await ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(f('ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await ssl(
    ...['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial'],
    ...['-out', f('server.pem'), '-days', '2', '-extfile', f('ext')],
  );
  return { cert: f('server.pem'), key: f('server.key'), ca: f('ca.pem') };
}
