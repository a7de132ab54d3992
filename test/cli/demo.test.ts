/** `flywheel demo --policy`: the keep policy reaches the refine config; a bad one is refused before any work. */
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../jobs/demo/run-demo.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('flywheel demo --policy', () => {
  it('sets the adatailr keep policy of the demo config (default threshold 0.3)', () => {
    expect(demoConfig('d', 'j').adatailr.policy).toEqual({ kind: 'threshold', min_weight: 0.3 });
    expect(demoConfig('d', 'j', { policy: { kind: 'estimated-noise' } }).adatailr.policy).toEqual({ kind: 'estimated-noise', max_drop: 0.9 });
  });
  it('refuses an invalid policy, naming the problem, and generates nothing', async () => {
    const dir = await tempDir();
    const r = await runCli(['demo', '--dir', dir, '--policy', '{"kind":"estimated-noise","max_drop":2}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--policy: max_drop: Too big/);
    expect(await readdir(dir)).toEqual([]);
  });
});
