/**
 * The refine experiment's tables: mean ± sd per round and loop beside raw, and the issue's bars
 * computed from those numbers (a bar that fails prints "no"), headed by the settings that differ from
 * the demo's; `refine-exp --from` refuses a file
 * that is not a report, naming it. No loop is run here.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type {
  CaptionerFit,
  DatasetPoint,
  LoopRun,
  RefineExperimentReport,
} from '../../../research/refine-experiment/experiment.js';
import { formatRefineExperiment } from '../../../research/refine-experiment/table.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';

const pt = (contentAccuracy: number, keptShare = 1, vocabulary = 60, distinct2 = 0.1): DatasetPoint => ({
  contentAccuracy,
  ciderD: 1,
  vocabulary,
  distinct2,
  keptShare,
});
const run = (seed: number, method: string, rounds: number[], kept = 0.95): LoopRun => ({
  noise: 0.4,
  seed,
  method,
  raw: pt(0.6),
  rawClean: pt(1, 0.6, 60, 0.1),
  rounds: rounds.map((c) => pt(c, kept, 70, 0.12)),
  seconds: 1,
});
const report = (runs: LoopRun[]): RefineExperimentReport => ({
  kind: 'flywheel-refine-experiment/1',
  settings: { noise: [0.4], seeds: [1, 2], clips: 10, rounds: 2, methods: [] },
  runs,
});

describe('refine experiment tables', () => {
  it('prints mean ± sd per round and loop beside raw, and passes bars that hold', () => {
    const text = formatRefineExperiment(
      report([
        run(1, 'adatailr', [0.86, 0.9]),
        run(2, 'adatailr', [0.88, 0.9]),
        run(1, 'mle', [0.7, 0.7]),
        run(2, 'mle', [0.7, 0.7]),
      ]),
    );
    expect(text).toContain('| raw | 0.600 ± 0.000 |');
    expect(text).toContain('| adatailr round 0 | 0.870 ± 0.014 |');
    expect(text).toContain('| mle round 1 | 0.700 ± 0.000 |');
    // kept and right: each seed's kept share × accuracy (0.95 × 0.86, 0.95 × 0.88), then mean ± sd
    expect(text).toMatch(/\| adatailr round 0 \| [^\n]* \| 0\.950 ± 0\.000 \| 0\.827 ± 0\.013 \|\n/);
    expect(text).toMatch(
      /final content accuracy 0\.900: ≥ 0\.85 yes; ≥ raw \+ 0\.25 \(0\.850\) yes; ≥ round 0 \(0\.870\) yes/,
    );
    expect(text).toMatch(/kept share of the train clips \(worst seed\) 0\.950: ≥ 0\.90 yes/);
    expect(text).toMatch(/adatailr final 0\.900 vs mle 0\.700: at least as good yes/);
    expect(text).not.toContain('samples as large as the clean raw rows');
  });

  it('puts the diversity bar at equal size and beside a perfect export where the report has them', () => {
    const worded = (seed: number, atSize: number, perfect: number, cleanClipsRatio?: number): LoopRun => ({
      ...run(seed, 'adatailr', [0.9, 0.9]),
      finalWording: {
        distinct2AtCleanSize: atSize,
        perfectDistinct2: perfect,
        ...(cleanClipsRatio === undefined ? {} : { cleanClipsRatio }),
      },
    });
    const text = formatRefineExperiment(report([worded(1, 0.15, 0.04), worded(2, 0.2, 0.05)]));
    expect(text).not.toContain('whose transcript is clean');
    const onClean = formatRefineExperiment(report([worded(1, 0.15, 0.04, 1.1), worded(2, 0.2, 0.05, 0.85)]));
    expect(onClean).toMatch(
      /clips whose transcript is clean, the final export's distinct-2 is 0\.85 .*: ≥ 0\.90 \*\*no\*\*/,
    );
    // worst seed at equal size (0.15 / 0.1), best seed's perfect export on the pooled ratio (0.05 / 0.1)
    expect(text).toMatch(
      /final export's distinct-2 is 1\.50× theirs \(worst seed\); a perfect export .* scores 0\.50 of it/,
    );
  });

  it('marks a bar that fails', () => {
    const text = formatRefineExperiment(
      report([run(1, 'adatailr', [0.8, 0.7], 0.6), run(2, 'adatailr', [0.8, 0.7], 0.6)]),
    );
    expect(text).toMatch(/no round falls more than one sd below the one before \*\*no\*\*/);
    expect(text).toMatch(/≥ 0\.85 \*\*no\*\*/);
    expect(text).toMatch(/≥ 0\.90 \*\*no\*\*/);
  });

  it('names the non-default settings a report was made with in each heading, none when there are none', () => {
    const runs = [run(1, 'adatailr', [0.8, 0.8])];
    expect(formatRefineExperiment(report(runs))).toContain('(seeds 1; 10 clips, mean ± sd)');
    const set = formatRefineExperiment({
      ...report(runs),
      settings: { ...report(runs).settings, pretrainEpochs: 60, overrides: { folds: 4, judge: { epochs: 80 } } },
    });
    expect(set).toContain('(seeds 1; 10 clips; pretrain epochs 60; folds=4; judge.epochs=80, mean ± sd)');
  });

  it("prints the rounds' captioners, from the frames alone held-out beside their train clips, only when the report has them", () => {
    const fit = (heldout: number, framesHeldout: number, framesTrain: number) => ({
      heldout,
      framesHeldout,
      framesTrain,
    });
    const withFit = (r: LoopRun, fits: CaptionerFit[]): LoopRun => ({ ...r, captioner: fits });
    const text = formatRefineExperiment(
      report([
        withFit(run(1, 'adatailr', [0.86, 0.9]), [fit(0.3, 0.35, 0.4), fit(0.35, 0.4, 0.5)]),
        withFit(run(2, 'adatailr', [0.88, 0.9]), [fit(0.32, 0.35, 0.4), fit(0.35, 0.4, 0.46)]),
      ]),
    );
    expect(text).toContain('| adatailr round 0 | 0.310 ± 0.014 | 0.350 ± 0.000 | 0.400 ± 0.000 |');
    expect(text).toContain('| adatailr round 1 | 0.350 ± 0.000 | 0.400 ± 0.000 | 0.480 ± 0.028 |');
    expect(formatRefineExperiment(report([run(1, 'adatailr', [0.86, 0.9])]))).not.toContain(
      'train clips it trained on',
    );
  });

  it("prints the rounds' choice for the held-out clips beside the exported train rows, only when the report has it", () => {
    const text = formatRefineExperiment(
      report([
        {
          ...run(1, 'adatailr', [0.86, 0.9]),
          heldoutRows: [
            { chosen: 0.84, rawAsr: 0.6 },
            { chosen: 0.92, rawAsr: 0.6 },
          ],
        },
        {
          ...run(2, 'adatailr', [0.88, 0.9]),
          heldoutRows: [
            { chosen: 0.86, rawAsr: 0.62 },
            { chosen: 0.9, rawAsr: 0.62 },
          ],
        },
      ]),
    );
    expect(text).toContain('| loop | held-out rows | train rows (the export) | held-out raw transcripts |');
    expect(text).toContain('| adatailr round 0 | 0.850 ± 0.014 | 0.870 ± 0.014 | 0.610 ± 0.014 |');
    expect(text).toContain('| adatailr round 1 | 0.910 ± 0.014 | 0.900 ± 0.000 | 0.610 ± 0.014 |');
    expect(formatRefineExperiment(report([run(1, 'adatailr', [0.86, 0.9])]))).not.toContain('held-out rows');
  });

  it('does not judge the fall between rounds on one seed, which has no sd', () => {
    const text = formatRefineExperiment(report([run(1, 'adatailr', [0.86, 0.85])]));
    expect(text).toContain('not judged, one seed has no sd (0.860 → 0.850)');
    expect(text).not.toMatch(/before \*\*no\*\*/);
  });

  it('refine-exp --from refuses a file that is not a report, naming it', async () => {
    const dir = await tempDir();
    const bad = join(dir, 'other.json');
    await writeFile(bad, '{"runs": []}');
    const r = await runCli(['refine-exp', '--from', bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${bad}: not a refine-exp report`);
  });
});
