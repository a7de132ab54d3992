/**
 * Small modules: no tracked source file outside `test/` is over 300 lines. The list comes from
 * git, so a new folder is covered the day it is added; a file may only get back under the bar by
 * being split, not by being exempted here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const MAX_LINES = 300;
const SOURCE = /\.(ts|js|mjs|cjs|py)$/;

/** Source files over `max` lines, as `path (n lines)`. */
function overLong(paths: readonly string[], read: (p: string) => string, max: number): string[] {
  return paths
    .filter((p) => SOURCE.test(p) && !p.startsWith('test/'))
    .map((p) => ({ p, n: read(p).split('\n').length - (read(p).endsWith('\n') ? 1 : 0) }))
    .filter(({ n }) => n > max)
    .map(({ p, n }) => `${p} (${n} lines)`);
}

describe('house rules: module size', () => {
  it('finds a long file, counts lines the way wc does, and ignores tests and non-source files', () => {
    const files = new Map([
      ['jobs/long.ts', 'x\n'.repeat(301)],
      ['jobs/edge.ts', 'x\n'.repeat(300)],
      ['jobs/edge-no-newline.ts', `${'x\n'.repeat(299)}x`],
      ['test/long.test.ts', 'x\n'.repeat(900)],
      ['docs/long.md', 'x\n'.repeat(900)],
    ]);
    expect(overLong([...files.keys()], (p) => files.get(p) ?? '', MAX_LINES)).toEqual(['jobs/long.ts (301 lines)']);
  });

  it(`no tracked non-test source file is over ${MAX_LINES} lines`, (ctx) => {
    if (!existsSync(join(ROOT, '.git'))) {
      console.warn('file-size: skipped, not a git checkout');
      ctx.skip();
    }
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(overLong(tracked, (p) => readFileSync(join(ROOT, p), 'utf8'), MAX_LINES)).toEqual([]);
  });
});
