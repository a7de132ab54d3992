/**
 * `flywheel noise-exp` with methods given on the command line (a tiny grid: 2 methods, 2 seeds, a
 * few steps — this checks the plumbing and the report's shape, not the experiment's result).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExperimentReport } from '../../research/noise-experiment/experiment.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('flywheel noise-exp', () => {
  it('trains the --method list, compares --detect-with against the best fixed γ by seed, and writes the JSON report', async () => {
    const out = join(await tempDir(), 'report.json');
    const r = await runCli([
      'noise-exp',
      '--noise',
      '0.4',
      '--seeds',
      '2',
      '--first-seed',
      '3',
      '--clips',
      '32',
      '--heldout',
      '4',
      '--steps',
      '4',
      '--threads',
      '1',
      '--method',
      'ada={"kind":"adatailr","warmupSteps":1}',
      '--method',
      'g25={"kind":"tailr","gamma":0.25}',
      '--method',
      'g1={"kind":"tailr","gamma":1}',
      '--detect-with',
      'ada',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(await readFile(out, 'utf8')) as ExperimentReport;
    expect(report.settings.methods.map((m) => m.name)).toEqual(['ada', 'g25', 'g1']);
    expect([...new Set(report.runs.map((x) => x.seed))]).toEqual([3, 4]);
    expect(report.paired).toHaveLength(1);
    const p = report.paired[0];
    const nll = (m: string, seed: number): number =>
      report.runs.find((x) => x.method === m && x.seed === seed)!.heldout.nll;
    const best = ['g25', 'g1'].reduce((a, b) => (nll(b, 3) + nll(b, 4) < nll(a, 3) + nll(a, 4) ? b : a));
    expect(p.bestFixed).toBe(best);
    expect(p.diff.mean).toBeCloseTo((nll('ada', 3) - nll(best, 3) + nll('ada', 4) - nll(best, 4)) / 2, 10);
    expect(p.wins).toBe([3, 4].filter((s) => nll('ada', s) <= nll(best, s)).length);
    expect(report.detection.map((d) => d.policy)).toContain('estimated-noise');
    expect(r.stdout).toContain('over seeds 3–4');
    expect(r.stdout).toMatch(/ada against the best fixed γ/);
    // --from reprints the saved report's tables without training
    const again = await runCli(['noise-exp', '--from', out]);
    expect(again.code, again.stderr).toBe(0);
    // (the training run's stdout also has the tokenizers binding's blank lines and a timing line)
    expect(again.stdout.trim()).toBe(r.stdout.slice(0, r.stdout.lastIndexOf('\n\n')).trim());
  }, 300_000);

  it('--from refuses a file that is not a noise-exp report, naming it', async () => {
    const bad = join(await tempDir(), 'bad.json');
    await writeFile(bad, '{"runs": 3}');
    const r = await runCli(['noise-exp', '--from', bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${bad}: not a noise-exp report`);
  });

  it('rejects a method whose loss config has an unknown key, naming it', async () => {
    const r = await runCli(['noise-exp', '--method', 'x={"kind":"adatailr","warmupStep":5}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--method x: loss: Unrecognized key: "warmupStep"/);
  });
});
