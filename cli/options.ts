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
