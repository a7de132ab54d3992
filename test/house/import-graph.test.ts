/**
 * Research code is fenced off from the product: no engine, stage, model, metric, schema, report or
 * job file (refine, export, report, schedule, distributed, the demo's config) reaches anything under
 * `research/` — the benchmark generator, its grammar and content measure, the experiments, the
 * downstream probe, the demo run, the benches — directly or through another product file. Only the
 * command line (`cli/`) and the tests may import research code.
 * And imports run one way: no file outside `test/` reaches itself through its imports, so every
 * module can be read (and loaded) after the ones it uses; and each top-level folder imports only
 * the folders below it in the architecture ({@link MAY_IMPORT}), a table with no two folders that
 * import each other, directly or around a circle. Type-only and dynamic imports count too.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
/** Where research code lives. */
const RESEARCH = 'research/';
/** Files that may import research code: the tests, the command line and the demo (entry points that make data). */
const ALLOWED = ['research/', 'test/', 'cli/'];

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

/**
 * The circles of a directed graph: each a sorted list of the nodes that reach one another (Tarjan's
 * strongly connected components of more than one node, or a node with an edge to itself).
 */
function circles(nodes: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) {
      onStack.delete(w);
      component.push(w);
    }
    if (component.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return cycles.sort((x, y) => x[0].localeCompare(y[0]));
}

/** The import cycles among files outside `test/`: each a sorted list of the files that reach one another. */
function importCycles(files: ReadonlyMap<string, string>): string[][] {
  const product = [...files.keys()].filter((f) => !f.startsWith('test/'));
  const edges = new Map(
    product.map((p) => [
      p,
      importsOf(files.get(p) ?? '')
        .map((s) => resolve(p, s))
        .filter((t) => files.has(t)),
    ]),
  );
  return circles(product, edges);
}

/** The circles of a folder table: folders that may import each other, directly or around a circle. */
function folderCircles(table: Readonly<Record<string, readonly string[]>>): string[][] {
  return circles(Object.keys(table), new Map(Object.entries(table)));
}

/**
 * The architecture as folders: what each top-level folder's files may import from other folders,
 * from the bottom up. The tables (`schemas/`, with the helper that declares them) and the models
 * know no other folder; the engine (`pipeline/`) knows the tables; the options (`config/`) know the
 * models' own options (loss, providers, teacher modes); stages know the engine, the models, the
 * tables and their options; jobs compose them all; the research code, then the command line, sit on
 * top. No two folders may import each other. A new top-level folder needs a line here.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  models: [],
  report: [],
  schemas: [],
  pipeline: ['schemas'],
  metrics: ['schemas'],
  config: ['models'],
  stages: ['config', 'models', 'pipeline', 'schemas'],
  jobs: ['config', 'metrics', 'models', 'pipeline', 'report', 'schemas', 'stages'],
  research: ['config', 'jobs', 'metrics', 'models', 'pipeline', 'schemas', 'stages'],
  scripts: ['models'],
  cli: ['config', 'jobs', 'metrics', 'models', 'pipeline', 'report', 'research', 'schemas', 'stages'],
  '.': [],
};

/** A path's top-level folder (`.` for a file at the root). */
function folderOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.indexOf('/')) : '.';
}

/** Imports outside `test/` that cross folders the architecture does not allow (`from → to`), and folders it does not know. */
function layerBreaks(files: ReadonlyMap<string, string>): string[] {
  const out = new Set<string>();
  for (const [path, src] of files) {
    const from = folderOf(path);
    if (from === 'test') continue;
    const allowed = MAY_IMPORT[from];
    if (!allowed) {
      out.add(`${path}: folder ${from}/ is not in MAY_IMPORT`);
      continue;
    }
    for (const spec of importsOf(src)) {
      const target = resolve(path, spec);
      const to = folderOf(target);
      if (to !== from && !allowed.includes(to)) out.add(`${path} → ${target}`);
    }
  }
  return [...out].sort();
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
      ['cli/e.ts', "import { generate } from '../research/benchmark/generate.js';"],
      ['pipeline/f.ts', "import { e } from '../cli/e.js';"],
      ['cli/g.ts', "import { generate } from '../research/benchmark/generate.js';"],
      ['test/h.ts', "import { generate } from '../research/benchmark/generate.js';"],
      ['models/clean.ts', "import { x } from './other.js';\nconst s = 'research/benchmark/generate.js';"],
    ]);
    expect(researchLeaks(files)).toEqual([
      'jobs/refine/a.ts → research/benchmark/generate.ts',
      'jobs/report/d.ts → stages/c.ts → research/benchmark/generate.ts',
      'metrics/b.ts → research/benchmark/generate.ts',
      'pipeline/f.ts → cli/e.ts → research/benchmark/generate.ts',
      'stages/c.ts → research/benchmark/generate.ts',
    ]);
  });
});

describe('import graph: imports run one way', () => {
  it('no file outside test/ reaches itself through its imports', () => {
    const files = sourceFiles();
    expect(files.size).toBeGreaterThan(100);
    expect(importCycles(files)).toEqual([]);
  });

  it('finds a two-file cycle, a longer one through a type-only import, and a self-import; ignores tests', () => {
    const files = new Map([
      ['jobs/a.ts', "import { b } from './b.js';"],
      ['jobs/b.ts', "import type { A } from './a.js';"],
      ['models/c.ts', "import { d } from './d.js';"],
      ['models/d.ts', "import { e } from '../stages/e.js';"],
      ['stages/e.ts', "export async function f() { return import('../models/c.js'); }"],
      ['pipeline/s.ts', "export { s } from './s.js';"],
      ['pipeline/one-way.ts', "import { a } from '../jobs/a.js';"],
      ['test/t.ts', "import { u } from './u.js';"],
      ['test/u.ts', "import { t } from './t.js';"],
    ]);
    expect(importCycles(files)).toEqual([
      ['jobs/a.ts', 'jobs/b.ts'],
      ['models/c.ts', 'models/d.ts', 'stages/e.ts'],
      ['pipeline/s.ts'],
    ]);
  });
});

describe('import graph: each folder imports only the folders below it', () => {
  it('no file outside test/ imports a folder its own may not', () => {
    const files = sourceFiles();
    expect(files.size).toBeGreaterThan(100);
    expect(layerBreaks(files)).toEqual([]);
  });

  it('finds an upward import (type-only too) and a folder the table does not know; ignores tests', () => {
    const files = new Map([
      ['models/a.ts', "import type { S } from '../stages/s.js';"],
      ['pipeline/b.ts', "import { c } from '../jobs/refine/c.js';\nimport { e } from '../schemas/e.js';"],
      ['stages/d.ts', "import { m } from '../models/m.js';\nimport { x } from './x.js';"],
      ['tools/f.ts', "import { m } from '../models/m.js';"],
      ['test/g.ts', "import { c } from '../cli/main.js';"],
    ]);
    expect(layerBreaks(files)).toEqual([
      'models/a.ts → stages/s.ts',
      'pipeline/b.ts → jobs/refine/c.ts',
      'tools/f.ts: folder tools/ is not in MAY_IMPORT',
    ]);
  });
});

describe('import graph: the folder table is one way', () => {
  it('no two folders of MAY_IMPORT may import each other, directly or around a circle', () => {
    expect(Object.keys(MAY_IMPORT).length).toBeGreaterThan(8);
    expect(folderCircles(MAY_IMPORT)).toEqual([]);
  });

  it('finds a pair, a longer circle and a folder allowed to import itself', () => {
    expect(
      folderCircles({
        models: [],
        pipeline: ['schemas'],
        schemas: ['pipeline'],
        config: ['stages'],
        stages: ['jobs'],
        jobs: ['config', 'models'],
        cli: ['cli', 'jobs'],
      }),
    ).toEqual([['cli'], ['config', 'jobs', 'stages'], ['pipeline', 'schemas']]);
  });
});
