/** `flywheel demo --policy / --scorer`: they reach the refine config; a bad policy is refused before any work. */
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../jobs/demo/run-demo.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('flywheel demo --policy / --scorer', () => {
  it('sets the adatailr keep policy and scorer of the demo config (default top-fraction 0.75, the caption model scores)', () => {
    expect(demoConfig('d', 'j').adatailr).toMatchObject({ policy: { kind: 'top-fraction', fraction: 0.75 }, scorer: 'caption-model' });
    expect(demoConfig('d', 'j', { policy: { kind: 'estimated-noise' }, scorer: 'bootstrap' }).adatailr).toMatchObject({ policy: { kind: 'estimated-noise', max_drop: 0.9 }, scorer: 'bootstrap' });
  });
  it('refuses an invalid policy, naming the problem, and generates nothing', async () => {
    const dir = await tempDir();
    const r = await runCli(['demo', '--dir', dir, '--policy', '{"kind":"estimated-noise","max_drop":2}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--policy: max_drop: Too big/);
    expect(await readdir(dir)).toEqual([]);
  });
});
