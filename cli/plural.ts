/** Counting words in the CLI's lines: "1 file", "3 files". */

/** `n thing` or `n things`; `? things` when the count is unknown (an older file did not record it). */
export function count(n: number | undefined, thing: string): string {
  return `${n ?? '?'} ${thing}${n === 1 ? '' : 's'}`;
}
