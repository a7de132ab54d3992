/**
 * Research code is fenced off from the product: no engine, stage, model, metric, schema, report or
 * job file (refine, export, report, schedule, distributed) reaches anything under `research/` — the
 * benchmark generator, its grammar and content measure, the experiments, the downstream probe,
 * the benches — directly or through another product file. Only the entry points that compose the
 * two (`cli/`, and `jobs/demo/`, which makes its own data) and the tests may import research code.
 * Type-only and dynamic imports count too.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
/** Where research code lives. */
const RESEARCH = 'research/';
/** Files that may import research code: the tests, the command line and the demo (entry points that make data). */
const ALLOWED = ['research/', 'test/', 'cli/', 'jobs/demo/'];

/** Relative import specifiers of a source file (static, type-only, re-exports, dynamic). */
function importsOf(source: string): string[] {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((s) => s.startsWith('.'));
}

/** The repository path a specifier of `from` points at (`.js` written for `.ts` files). */
function resolve(from: string, spec: string): string {
  return normalize(join(dirname(from), spec)).replace(/\.js$/, '.ts');
}

/**
 * Every product file that reaches research code, with the chain of imports that does it. `files`
 * maps repository paths to their source.
 */
function researchLeaks(files: ReadonlyMap<string, string>): string[] {
  const edges = new Map([...files].map(([path, src]) => [path, importsOf(src).map((s) => resolve(path, s))]));
  const leaks: string[] = [];
  for (const start of files.keys()) {
    if (ALLOWED.some((a) => start.startsWith(a))) continue;
    // breadth-first over product files; the first research file reached is the leak
    const via = new Map<string, string | null>([[start, null]]);
    const queue = [start];
    let hit: string | undefined;
    while (queue.length > 0 && hit === undefined) {
      const at = queue.shift() as string;
      for (const next of edges.get(at) ?? []) {
        if (via.has(next)) continue;
        via.set(next, at);
        if (next.startsWith(RESEARCH)) {
          hit = next;
          break;
        }
        queue.push(next);
      }
    }
    if (hit === undefined) continue;
    const chain: string[] = [];
    for (let p: string | null | undefined = hit; p; p = via.get(p)) chain.unshift(p);
    leaks.push(chain.join(' → '));
  }
  return leaks.sort();
}

/** Every TypeScript file of the repository (no node_modules, no dot folders). */
function sourceFiles(dir = ROOT): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) for (const [k, v] of sourceFiles(path)) out.set(k, v);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
      out.set(relative(ROOT, path), readFileSync(path, 'utf8'));
  }
  return out;
}

describe('import graph: research stays out of the product', () => {
  it('no product file reaches research/, directly or through other product files', () => {
    const files = sourceFiles();
    expect(files.size).toBeGreaterThan(100);
    expect([...files.keys()].some((f) => f.startsWith('research/benchmark/'))).toBe(true);
    expect(researchLeaks(files)).toEqual([]);
  });

  it('finds a direct import, a type-only one, a dynamic one and one through another product file', () => {
    const files = new Map([
      ['research/benchmark/generate.ts', 'export const generate = 1;'],
      ['jobs/refine/a.ts', "import { generate } from '../../research/benchmark/generate.js';"],
      ['metrics/b.ts', "import type { X } from '../research/benchmark/generate.js';"],
      ['stages/c.ts', "export async function f() { return import('../research/benchmark/generate.js'); }"],
      ['jobs/report/d.ts', "export { f } from '../../stages/c.js';"],
      ['jobs/demo/e.ts', "import { generate } from '../../research/benchmark/generate.js';"],
      ['pipeline/f.ts', "import { e } from '../jobs/demo/e.js';"],
      ['cli/g.ts', "import { generate } from '../research/benchmark/generate.js';"],
      ['test/h.ts', "import { generate } from '../research/benchmark/generate.js';"],
      ['models/clean.ts', "import { x } from './other.js';\nconst s = 'research/benchmark/generate.js';"],
    ]);
    expect(researchLeaks(files)).toEqual([
      'jobs/refine/a.ts → research/benchmark/generate.ts',
      'jobs/report/d.ts → stages/c.ts → research/benchmark/generate.ts',
      'metrics/b.ts → research/benchmark/generate.ts',
      'pipeline/f.ts → jobs/demo/e.ts → research/benchmark/generate.ts',
      'stages/c.ts → research/benchmark/generate.ts',
    ]);
  });
});
