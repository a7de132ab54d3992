/**
 * Caption tokenization like the COCO caption evaluation's PTB tokenizer: lower-case,
 * split off punctuation and English clitics ("don't" → "do n't"), drop punctuation tokens.
 * Every text metric tokenizes with this, so scores are comparable across jobs.
 */

/** Punctuation tokens the COCO evaluation removes after PTB tokenization. */
export const PTB_PUNCTUATION: ReadonlySet<string> = new Set([
  "''",
  "'",
  '``',
  '`',
  '-lrb-',
  '-rrb-',
  '-lcb-',
  '-rcb-',
  '.',
  '?',
  '!',
  ',',
  ':',
  '-',
  '--',
  '...',
  ';',
]);

const CLITIC = /^(.+?)(n't|'s|'re|'ve|'ll|'m|'d)$/;

/** Splits a caption into lower-case word tokens (PTB-like; punctuation dropped). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const spaced = text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    // separate every punctuation mark except apostrophes, hyphens inside words (PTB keeps "red-circle")
    // and decimal points / thousands separators inside numbers (PTB keeps "3.5")
    .replace(/([^\p{L}\p{N}\s'.,-])/gu, ' $1 ')
    .replace(/[.,](?!\p{N})|(?<!\p{N})[.,]/gu, ' $& ')
    .replace(/-(?![\p{L}\p{N}])|(?<![\p{L}\p{N}])-/gu, ' - ');
  for (const raw of spaced.split(/\s+/)) {
    if (raw === '') continue;
    const word = raw.replace(/^'+|'+$/g, (q) => ` ${q} `).trim();
    for (const w of word.split(/\s+/)) {
      const m = CLITIC.exec(w);
      const parts = m ? [m[1], m[2]] : [w];
      for (const p of parts) if (p !== '' && !PTB_PUNCTUATION.has(p) && !/^[^\p{L}\p{N}']+$/u.test(p)) out.push(p);
    }
  }
  return out;
}

/** Counts of every n-gram of order 1..maxN in `tokens`, keyed "w1 w2 …" (a space never occurs inside a token). */
export function ngramCounts(tokens: readonly string[], maxN: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let k = 1; k <= maxN; k++) {
    for (let i = 0; i + k <= tokens.length; i++) {
      const g = tokens.slice(i, i + k).join(' ');
      counts.set(g, (counts.get(g) ?? 0) + 1);
    }
  }
  return counts;
}

/** The order (number of words) of an n-gram key. */
export function ngramOrder(key: string): number {
  let n = 1;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) === 32) n++;
  return n;
}
