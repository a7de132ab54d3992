import { writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../config/load.js';
import { markedFields } from '../../config/marks.js';
import { ConfigError } from '../../config/parse.js';
import { refineConfigSchema } from '../../config/refine.js';
import { configSchema } from '../../config/run.js';
import { tempDir } from '../helpers/tmp.js';

const base = { run_dir: 'runs/a', manifest: 'clips.jsonl', media_root: 'media' };

/** `value` at a dotted path of a parsed config. */
function fieldOf(config: unknown, field: string): unknown {
  return field.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], config);
}

/** An input with `value` at every path-marked field (nested objects created). */
function withPaths(fields: readonly string[], value: (field: string) => string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const field of fields) {
    const keys = field.split('.');
    let at = out;
    for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[keys.at(-1) as string] = value(field);
  }
  return out;
}

describe.each([
  { name: 'run', schema: configSchema },
  { name: 'refine', schema: refineConfigSchema },
])('loadConfigFile ($name config)', ({ schema }) => {
  const paths = markedFields(schema)
    .filter((f) => f.path)
    .map((f) => f.field);

  it('resolves every field marked as a path against the config file directory, keeping absolute ones', async () => {
    expect(paths.length).toBeGreaterThan(3);
    const dir = await tempDir();
    const file = join(dir, 'job.json');
    await writeFile(file, JSON.stringify(withPaths(paths, (f) => `rel/${f}`)));
    const relative = await loadConfigFile(schema, file);
    for (const f of paths) expect(fieldOf(relative, f)).toBe(join(dir, 'rel', f));
    await writeFile(file, JSON.stringify(withPaths(paths, (f) => `/abs/${f}`)));
    const absolute = await loadConfigFile(schema, file);
    for (const f of paths) expect(fieldOf(absolute, f)).toBe(`/abs/${f}`);
  });

  it('leaves fields not marked as paths as they are', async () => {
    const dir = await tempDir();
    const file = join(dir, 'job.json');
    await writeFile(file, JSON.stringify(base));
    const c = await loadConfigFile(schema, file);
    for (const f of markedFields(schema).filter((m) => !m.path)) {
      const v = fieldOf(c, f.field);
      if (typeof v === 'string') expect(isAbsolute(v)).toBe(false);
    }
  });

  it('rejects unknown keys and bad values with a message naming the field', async () => {
    const dir = await tempDir();
    const file = join(dir, 'job.json');
    await writeFile(file, JSON.stringify({ ...base, shard_size: -3, shard_sise: 4 }));
    const err = await loadConfigFile(schema, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^shard_size: .* \(got -3\)$/),
        '(root): unknown field(s) "shard_sise"',
      ]),
    );
    expect((err as Error).message).toMatch(new RegExp(`^invalid config ${file}:`));
  });

  it('reports unreadable and non-JSON files, naming the file', async () => {
    const dir = await tempDir();
    const file = join(dir, 'job.json');
    await writeFile(file, '{ nope');
    await expect(loadConfigFile(schema, file)).rejects.toThrow(/job\.json:\n {2}\(file\): not valid JSON/);
    await expect(loadConfigFile(schema, join(dir, 'missing.json'))).rejects.toThrow(/missing\.json:\n.*cannot read/);
  });
});
