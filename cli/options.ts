/** Parsers for command-line option values, shared by the sub-commands; errors name the flag and quote the value. */
import { InvalidArgumentError } from 'commander';

const named: Record<number, string> = { 0: 'a non-negative integer', 1: 'a positive integer' };

/** An integer option, at least `min` when given (1 by default: a positive integer). */
export const intOption =
  (name: string, min: number | null = 1) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || (min !== null && n < min)) {
      const what = min === null ? 'an integer' : (named[min] ?? `an integer ≥ ${min}`);
      throw new InvalidArgumentError(`--${name} must be ${what} (got ${JSON.stringify(v)})`);
    }
    return n;
  };

/** Comma-separated fractions in [0, 1), e.g. noise levels. */
export const fractionsOption =
  (name: string) =>
  (v: string): number[] => {
    const xs = v.split(',').map((x) => Number(x.trim()));
    if (xs.length === 0 || xs.some((x) => !(x >= 0 && x < 1)))
      throw new InvalidArgumentError(
        `--${name} must be comma-separated fractions in [0, 1) (got ${JSON.stringify(v)})`,
      );
    return xs;
  };

/** Keys that would reach an object's prototype instead of a setting. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A repeatable `--set key=value` option: the dotted key becomes a nested object and the value is
 * read as JSON when it parses (numbers, booleans, objects), as a string otherwise. Accumulates into
 * `previous`, so each `--set` adds one setting.
 */
export function collectSetting(v: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = v.indexOf('=');
  const key = eq > 0 ? v.slice(0, eq).trim() : '';
  const path = key.split('.');
  if (!key || path.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p) || FORBIDDEN_KEYS.has(p)))
    throw new InvalidArgumentError(
      `--set must be key=value with a dotted key, e.g. folds=4 (got ${JSON.stringify(v)})`,
    );
  const text = v.slice(eq + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // a bare string
  }
  const out: Record<string, unknown> = { ...previous };
  let at = out;
  for (const p of path.slice(0, -1)) {
    const next = at[p];
    at[p] = next && typeof next === 'object' && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
    at = at[p] as Record<string, unknown>;
  }
  at[path[path.length - 1]] = value;
  return out;
}
