/** Plain-text (Markdown) tables of a noise-experiment report, for the terminal and docs/adatailr.md. */
import type { ExperimentReport } from './experiment.js';
import type { Spread } from './summary.js';

const pm = (s: Spread, digits: number): string => `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}`;
const pct = (n: number): string => `${Math.round(n * 100)}%`;

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** Held-out quality per method and noise level, ρ vs the truth, and keep-policy detection. */
export function formatReport(r: ExperimentReport): string {
  const noises = [...new Set(r.summary.map((s) => s.noise))];
  const methods = [...new Set(r.summary.map((s) => s.method))];
  const cell = (noise: number, method: string, f: (s: (typeof r.summary)[number]) => string): string => {
    const s = r.summary.find((x) => x.noise === noise && x.method === method);
    return s ? f(s) : '—';
  };
  const out: string[] = [];
  const seeds = [...new Set(r.runs.map((x) => x.seed))].sort((a, b) => a - b);
  const seedText =
    seeds.length > 1 && seeds[seeds.length - 1] - seeds[0] === seeds.length - 1
      ? `seeds ${seeds[0]}–${seeds[seeds.length - 1]}`
      : `seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')}`;
  out.push(`Clean held-out token NLL (lower is better), mean ± sd over ${seedText}:\n`);
  out.push(
    table(
      ['method', ...noises.map((n) => `noise ${pct(n)}`)],
      methods.map((m) => [m, ...noises.map((n) => cell(n, m, (s) => pm(s.nll, 3)))]),
    ),
  );
  out.push(`\nClean held-out greedy exact match (higher is better):\n`);
  out.push(
    table(
      ['method', ...noises.map((n) => `noise ${pct(n)}`)],
      methods.map((m) => [m, ...noises.map((n) => cell(n, m, (s) => pm(s.exactMatch, 3)))]),
    ),
  );
  out.push(`\nClean held-out CIDEr-D of greedy captions:\n`);
  out.push(
    table(
      ['method', ...noises.map((n) => `noise ${pct(n)}`)],
      methods.map((m) => [m, ...noises.map((n) => cell(n, m, (s) => pm(s.cider, 2)))]),
    ),
  );
  if (r.paired.length) {
    out.push(
      `\n${r.settings.detectWith} against the best fixed γ at each level, paired by seed (held-out NLL difference; negative: ${r.settings.detectWith} better):\n`,
    );
    out.push(
      table(
        ['noise', 'best fixed γ', 'difference', 'standard error', `seeds ${r.settings.detectWith} ≤`],
        r.paired.map((p) => [pct(p.noise), p.bestFixed, pm(p.diff, 4), p.se.toFixed(4), `${p.wins} / ${p.diff.n}`]),
      ),
    );
  }
  if (r.rho.length) {
    out.push(`\nAdaptive noise estimate (final, smoothed) vs the true corrupted fraction:\n`);
    out.push(
      table(
        ['true fraction', 'ρ', 'final γ'],
        r.rho.map((x) => [x.noise.toFixed(2), pm(x.rho, 3), pm(x.gamma, 3)]),
      ),
    );
  }
  if (r.detection.length) {
    out.push(
      `\nFinding the corrupted training rows (${r.settings.detectWith} model's row weights, rowScore + decideKeep):\n`,
    );
    out.push(
      table(
        ['noise', 'policy', 'flagged', 'precision', 'recall'],
        r.detection.map((d) => [pct(d.noise), d.policy, pm(d.flaggedFraction, 2), pm(d.precision, 2), pm(d.recall, 2)]),
      ),
    );
  }
  return out.join('\n');
}
