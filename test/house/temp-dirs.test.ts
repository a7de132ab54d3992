/**
 * Tests clean up after themselves: a real vitest run of a generated test file that makes temp dirs
 * with the shared helper, in `beforeAll` and inside a test, leaves none of them behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const HELPER = pathToFileURL(join(ROOT, 'test', 'helpers', 'tmp.ts')).href;

describe('house rules: temp dirs', () => {
  const work = mkdtempSync(join(tmpdir(), 'flywheel-house-tmp-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("removes the helper's dirs when the test file ends, wherever they were made", () => {
    const log = join(work, 'made.txt');
    writeFileSync(
      join(work, 'fixture.test.ts'),
      [
        `import { appendFileSync, existsSync } from 'node:fs';`,
        `import { tempDir } from ${JSON.stringify(HELPER)};`,
        `let first = '';`,
        `beforeAll(async () => { first = await tempDir('flywheel-house-a-'); appendFileSync(${JSON.stringify(log)}, first + '\\n'); });`,
        `it('makes one more inside a test', async () => {`,
        `  const second = await tempDir('flywheel-house-b-');`,
        `  appendFileSync(${JSON.stringify(log)}, second + '\\n');`,
        `  expect(existsSync(first) && existsSync(second)).toBe(true);`,
        `});`,
      ].join('\n'),
    );
    writeFileSync(join(work, 'vitest.config.mjs'), 'export default { test: { globals: true } };\n');
    execFileSync(join(ROOT, 'node_modules', '.bin', 'vitest'), ['run', '--root', work], {
      cwd: work,
      stdio: 'pipe',
      env: { ...process.env, CI: 'true' },
    });
    const dirs = readFileSync(log, 'utf8').trim().split('\n');
    expect(dirs).toHaveLength(2);
    expect(dirs.filter((d) => existsSync(d))).toEqual([]);
  });
});
