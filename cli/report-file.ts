/**
 * Reading back the JSON reports the experiment commands write with `--out`: a file that does not
 * parse, or is some other JSON, is refused with the file's name and the command that writes it.
 */
import { readFileSync } from 'node:fs';

/** Reads the report `command --out` wrote to `file`; `isReport` tells it from other JSON. */
export function readReportFile<T>(file: string, command: string, isReport: (r: unknown) => boolean): T {
  let r: unknown;
  try {
    r = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read a ${command} report (${(e as Error).message})`, { cause: e });
  }
  if (!isReport(r))
    throw new Error(`${file}: not a ${command} report (expected the JSON that \`${command} --out\` writes)`);
  return r as T;
}

/** A report tagged with `kind` (the refine and tick experiments tag theirs). */
export const hasKind =
  (kind: string) =>
  (r: unknown): boolean =>
    typeof r === 'object' && r !== null && 'kind' in r && r.kind === kind;
