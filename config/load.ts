/** The one config-file loader every command uses: read, parse JSON, validate, resolve paths. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { resolvePaths } from './marks.js';
import { ConfigError, parseWithSchema } from './parse.js';

/**
 * Reads a JSON config file, validates it against `schema` (errors name the field), and resolves the
 * fields marked as paths against the file's directory, so a config works from any working directory.
 */
export async function loadConfigFile<S extends z.ZodType>(schema: S, path: string): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [`(file): cannot read: ${(e as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, [`(file): not valid JSON: ${(e as Error).message}`]);
  }
  return resolvePaths(schema, parseWithSchema(schema, raw, path), dirname(resolve(path)));
}
