import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { publishDirSync } from '../../models/publish-dir.js';

// Wraps node:fs only to observe fsync calls and inject a write fault; every write hits the real disk.
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  return { ...real, fsyncSync: vi.fn(real.fsyncSync), writeFileSync: vi.fn(real.writeFileSync) };
});

describe('publishDirSync', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'flywheel-publish-'));
    vi.mocked(fs.fsyncSync).mockClear();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('publishes every file, fsyncing each file, the temp directory and the parent', () => {
    const dir = join(root, 'v1');
    publishDirSync(dir, { 'a.json': '{"a":1}', 'w.bin': new Uint8Array([1, 2, 3]) });
    expect(readdirSync(root)).toEqual(['v1']);
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe('{"a":1}');
    expect([...readFileSync(join(dir, 'w.bin'))]).toEqual([1, 2, 3]);
    // two files + the temp dir before the rename + the parent after it
    expect(vi.mocked(fs.fsyncSync)).toHaveBeenCalledTimes(4);
  });

  it('a failed write leaves neither the directory nor a temp behind', () => {
    vi.mocked(fs.writeFileSync).mockImplementationOnce(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    expect(() => publishDirSync(join(root, 'v2'), { 'a.json': '{}' })).toThrow('ENOSPC');
    expect(readdirSync(root)).toEqual([]);
  });
});
