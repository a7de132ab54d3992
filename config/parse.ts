/** Validation of config objects with errors that name each bad field and quote the value it got. */
import type { z } from 'zod';

/** Raised when a config does not validate; `issues` lists each bad field as `path: message (got <value>)`. */
export class ConfigError extends Error {
  /** One line per bad field. */
  readonly issues: readonly string[];
  constructor(source: string, issues: readonly string[]) {
    super(`invalid config ${source}:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function quote(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  if (s === undefined) return `<${typeof v}>`;
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Validates `input` against any zod schema; throws {@link ConfigError} naming every bad field path
 * and quoting the value it got. Shared by every config flywheel reads.
 * @param source where the object came from, for the message (a file path).
 */
export function parseWithSchema<S extends z.ZodType>(schema: S, input: unknown, source = '<object>'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(root)';
    if (issue.code === 'unrecognized_keys') {
      return `${path}: unknown field(s) ${issue.keys.map((k) => quote(k)).join(', ')}`;
    }
    return `${path}: ${issue.message} (got ${quote(valueAt(input, issue.path))})`;
  });
  throw new ConfigError(source, issues);
}
