/**
 * Atomic writes: the target holds the old bytes or the new ones, never a mix; a failure at any step
 * leaves no temp behind; a writer killed before its rename leaves the old file as it was, and the
 * temp directory a dead writer left is removed by the next directory write beside it (a live
 * writer's, or another host's, stays); and the data is fsynced before the rename and the directory
 * after it. `node:fs/promises` is wrapped only to observe fsync/rename calls and to inject faults;
 * every write still goes to the real disk.
 */
import { spawn, spawnSync } from 'node:child_process';
import type * as fsp from 'node:fs/promises';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  fsyncDir,
  produceFileAtomic,
  TEMP_MARKER,
  tempDirSibling,
  writeDirAtomic,
  writeFileAtomic,
} from '../../pipeline/atomic-write.js';

/** Runs a writer script with tsx and kills it (SIGKILL) once it prints `written`, mid-write. */
async function killWhenWritten(script: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((res, rej) => {
    child.stdout.on('data', (b: Buffer) => {
      if (b.toString().includes('written')) res();
    });
    child.on('exit', (c) => rej(new Error(`writer exited early (${c})`)));
  });
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** What the wrapped fs saw, and the faults it should inject (keyed by call kind, matched on the path). */
const fsSpy = vi.hoisted(() => ({
  events: [] as string[],
  faults: [] as { op: 'sync' | 'rename' | 'write'; match: (path: string) => boolean; code: string }[],
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof fsp>();
  const fault = (op: 'sync' | 'rename' | 'write', path: string): Error | undefined => {
    const f = fsSpy.faults.find((x) => x.op === op && x.match(path));
    return f ? Object.assign(new Error(`${f.code}: injected ${op} fault on ${path}`), { code: f.code }) : undefined;
  };
  const open = async (...args: Parameters<typeof real.open>): ReturnType<typeof real.open> => {
    const fh = await real.open(...args);
    const path = String(args[0]);
    const sync = fh.sync.bind(fh);
    const write = fh.write.bind(fh) as (...a: unknown[]) => Promise<unknown>;
    fh.sync = async () => {
      const e = fault('sync', path);
      if (e) throw e;
      fsSpy.events.push(`sync ${path}`);
      return sync();
    };
    const writeFile = fh.writeFile.bind(fh) as (...a: unknown[]) => Promise<void>;
    (fh as { write: unknown }).write = async (...a: unknown[]) => {
      const e = fault('write', path);
      if (e) throw e;
      return write(...a);
    };
    (fh as { writeFile: unknown }).writeFile = async (...a: unknown[]) => {
      const e = fault('write', path);
      if (e) throw e;
      return writeFile(...a);
    };
    return fh;
  };
  const rename = async (from: string, to: string): Promise<void> => {
    const e = fault('rename', to);
    if (e) throw e;
    fsSpy.events.push(`rename ${from} -> ${to}`);
    return real.rename(from, to);
  };
  return { ...real, open, rename, default: { ...real, open, rename } };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flywheel-atomic-'));
  fsSpy.events.length = 0;
  fsSpy.faults.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const temps = (d: string): string[] => readdirSync(d).filter((n) => n.includes(TEMP_MARKER));

async function* chunksThenFail(): AsyncGenerator<string> {
  yield 'new part one, ';
  await new Promise((r) => setTimeout(r, 5));
  yield 'new part two';
  throw new Error('source broke mid-write');
}

describe('writeFileAtomic', () => {
  it('writes strings, bytes, async iterables and web streams, leaving no temp', async () => {
    const p = join(dir, 'a.txt');
    await writeFileAtomic(p, 'hello\nworld');
    expect(readFileSync(p, 'utf8')).toBe('hello\nworld');
    await writeFileAtomic(p, new Uint8Array([1, 2, 3, 250]));
    expect([...readFileSync(p)]).toEqual([1, 2, 3, 250]);
    await writeFileAtomic(
      p,
      (async function* () {
        yield 'it';
        await new Promise((r) => setImmediate(r));
        yield new TextEncoder().encode('erable');
      })(),
    );
    expect(readFileSync(p, 'utf8')).toBe('iterable');
    await writeFileAtomic(p, new Blob(['web ', 'stream']).stream());
    expect(readFileSync(p, 'utf8')).toBe('web stream');
    expect(readdirSync(dir)).toEqual(['a.txt']);
  });

  it('fsyncs the temp file before the rename and the directory after it', async () => {
    const p = join(dir, 'b.json');
    await writeFileAtomic(p, '{}');
    const [syncFile, renamed, syncDir] = fsSpy.events;
    expect(fsSpy.events).toHaveLength(3);
    expect(syncFile).toMatch(new RegExp(`^sync ${p}\\${TEMP_MARKER}\\d+-[0-9a-f]+$`));
    expect(renamed).toBe(`rename ${syncFile.slice('sync '.length)} -> ${p}`);
    expect(syncDir).toBe(`sync ${dir}`);
  });

  it('keeps the old file and leaves no temp when the data source fails mid-write', async () => {
    const p = join(dir, 'c.txt');
    writeFileSync(p, 'old content');
    await expect(writeFileAtomic(p, chunksThenFail())).rejects.toThrow('source broke mid-write');
    expect(readFileSync(p, 'utf8')).toBe('old content');
    expect(temps(dir)).toEqual([]);
    expect(fsSpy.events.some((e) => e.startsWith('rename'))).toBe(false);
  });

  it.each([
    ['a write', 'write', 'ENOSPC'],
    ['a streamed write', 'write', 'ENOSPC'],
    ['the file fsync', 'sync', 'EIO'],
    ['the rename', 'rename', 'EXDEV'],
  ] as const)('keeps the old file and leaves no temp when %s fails', async (what, op, code) => {
    const p = join(dir, 'd.txt');
    writeFileSync(p, 'old content');
    fsSpy.faults.push({ op, match: (x) => x.includes(TEMP_MARKER) || x === p, code });
    const data = what.startsWith('a streamed') ? new Blob(['new ', 'content']).stream() : 'new content';
    await expect(writeFileAtomic(p, data)).rejects.toMatchObject({ code });
    expect(readFileSync(p, 'utf8')).toBe('old content');
    expect(temps(dir)).toEqual([]);
  });

  it('fails when the directory cannot be fsynced for an I/O error, tolerates a filesystem that refuses it', async () => {
    fsSpy.faults.push({ op: 'sync', match: (x) => x === dir, code: 'EINVAL' });
    await writeFileAtomic(join(dir, 'e.txt'), 'x');
    expect(readFileSync(join(dir, 'e.txt'), 'utf8')).toBe('x');
    fsSpy.faults[0] = { op: 'sync', match: (x) => x === dir, code: 'EIO' };
    await expect(fsyncDir(dir)).rejects.toMatchObject({ code: 'EIO' });
  });

  it('leaves the old file intact when the writer is killed before its rename', async () => {
    const p = join(dir, 'f.txt');
    writeFileSync(p, 'old content');
    const script = join(dir, 'writer.mts');
    const mod = pathToFileURL(resolve('pipeline/atomic-write.ts')).href;
    writeFileSync(
      script,
      `import { writeFileAtomic } from ${JSON.stringify(mod)};
await writeFileAtomic(${JSON.stringify(p)}, (async function* () {
  yield 'half of the new ';
  process.stdout.write('written\\n');
  await new Promise(() => setInterval(() => {}, 1000));
})());`,
    );
    await killWhenWritten(script);
    expect(readFileSync(p, 'utf8')).toBe('old content');
    // the crashed writer's temp is left, named so that run cleanup can find it
    const left = temps(dir);
    expect(left).toHaveLength(1);
    expect(readFileSync(join(dir, left[0]), 'utf8')).toBe('half of the new ');
  });
});

describe('produceFileAtomic', () => {
  it('fsyncs and publishes what another writer made at the temp path', async () => {
    const p = join(dir, 'video.mp4');
    await produceFileAtomic(p, (tmp) => Promise.resolve(writeFileSync(tmp, 'frames')));
    expect(readFileSync(p, 'utf8')).toBe('frames');
    expect(fsSpy.events[0]).toMatch(new RegExp(`^sync ${p}\\${TEMP_MARKER}`));
    expect(fsSpy.events.at(-1)).toBe(`sync ${dir}`);
    expect(temps(dir)).toEqual([]);
  });

  it('removes a partial output when the producer fails', async () => {
    const p = join(dir, 'video.mp4');
    await expect(
      produceFileAtomic(p, (tmp) => {
        writeFileSync(tmp, 'half');
        return Promise.reject(new Error('ffmpeg exited 1'));
      }),
    ).rejects.toThrow('ffmpeg exited 1');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('writeDirAtomic', () => {
  it('publishes a whole directory, every file fsynced, replacing the old one', async () => {
    const out = join(dir, 'export');
    mkdirSync(out);
    writeFileSync(join(out, 'stale.parquet'), 'old');
    const got = await writeDirAtomic(
      out,
      (tmp) => {
        writeFileSync(join(tmp, 'part-0.parquet'), 'p0');
        mkdirSync(join(tmp, 'sub'));
        writeFileSync(join(tmp, 'sub', 'metadata.json'), '{}');
        return Promise.resolve(42);
      },
      { replace: true },
    );
    expect(got).toBe(42);
    expect(readdirSync(out).sort()).toEqual(['part-0.parquet', 'sub']);
    expect(readFileSync(join(out, 'sub', 'metadata.json'), 'utf8')).toBe('{}');
    expect(temps(dir)).toEqual([]);
    const synced = fsSpy.events.filter((e) => e.startsWith('sync ')).map((e) => e.slice(5));
    const renameAt = fsSpy.events.findIndex((e) => e.startsWith('rename'));
    expect(synced.some((s) => s.endsWith('part-0.parquet'))).toBe(true);
    expect(synced.some((s) => s.endsWith(join('sub', 'metadata.json')))).toBe(true);
    expect(fsSpy.events.slice(renameAt + 1)).toEqual([`sync ${dir}`]);
  });

  it('keeps the old directory and leaves no temp when filling fails', async () => {
    const out = join(dir, 'export');
    mkdirSync(out);
    writeFileSync(join(out, 'part-0.parquet'), 'old');
    await expect(
      writeDirAtomic(
        out,
        (tmp) => {
          writeFileSync(join(tmp, 'part-0.parquet'), 'new');
          return Promise.reject(new Error('shard 1 unreadable'));
        },
        { replace: true },
      ),
    ).rejects.toThrow('shard 1 unreadable');
    expect(readFileSync(join(out, 'part-0.parquet'), 'utf8')).toBe('old');
    expect(temps(dir)).toEqual([]);
    expect(existsSync(out)).toBe(true);
  });

  it("removes the temp a dead writer on this host left, and no one else's", async () => {
    const out = join(dir, 'export');
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const left = tempDirSibling(out, dead);
    const live = tempDirSibling(out);
    const otherDir = tempDirSibling(join(dir, 'other'), dead);
    const otherHost = join(dir, `export${TEMP_MARKER}elsewhere~${dead}-0badf00d`);
    for (const t of [left, live, otherDir, otherHost]) {
      mkdirSync(t);
      writeFileSync(join(t, 'part-00000.parquet'), 'half');
    }
    await writeDirAtomic(out, (tmp) => Promise.resolve(writeFileSync(join(tmp, 'part-00000.parquet'), 'whole')));
    expect(readFileSync(join(out, 'part-00000.parquet'), 'utf8')).toBe('whole');
    // a dead writer's temp goes whatever it was writing (last night's export had another name)
    for (const gone of [left, otherDir]) expect(existsSync(gone)).toBe(false);
    for (const kept of [live, otherHost]) expect(existsSync(kept)).toBe(true);
  });

  it('after a writer is killed mid-directory, the next write publishes whole and leaves no temp', async () => {
    const out = join(dir, 'dataset-round-1-tick-00003');
    const script = join(dir, 'dir-writer.mts');
    const mod = pathToFileURL(resolve('pipeline/atomic-write.ts')).href;
    writeFileSync(
      script,
      `import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirAtomic } from ${JSON.stringify(mod)};
await writeDirAtomic(${JSON.stringify(out)}, async (tmp) => {
  writeFileSync(join(tmp, 'part-00000.parquet'), 'half');
  process.stdout.write('written\\n');
  await new Promise(() => setInterval(() => {}, 1000));
});`,
    );
    await killWhenWritten(script);
    expect(temps(dir)).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
    // the next night writes another folder beside it; the killed night's partial copy goes
    const next = join(dir, 'dataset-round-1-tick-00004');
    await writeDirAtomic(next, (tmp) => Promise.resolve(writeFileSync(join(tmp, 'part-00000.parquet'), 'whole')));
    expect(temps(dir)).toEqual([]);
    expect(readFileSync(join(next, 'part-00000.parquet'), 'utf8')).toBe('whole');
  });
});
