/**
 * Several stored `refine-exp` reports as one, for `refine-exp --from`: more seeds, or a loop run
 * alone (`--only`) beside the other loop run alone, judged together. Reports of different
 * benchmarks (another clip count or round count) are refused rather than pooled, and a loop given
 * twice is refused rather than counted twice.
 */
import type { LoopMethod, RefineExperimentReport } from './experiment.js';

/** A stored report and the file it came from (named in errors). */
export interface StoredReport {
  readonly file: string;
  readonly report: RefineExperimentReport;
}

const sortedUnion = (lists: readonly (readonly number[])[]): number[] =>
  [...new Set(lists.flat())].sort((a, b) => a - b);

/** The reports as one: the first's settings, with every report's methods, noise levels, seeds and loops. */
export function mergeReports(reports: readonly StoredReport[]): RefineExperimentReport {
  const [first] = reports;
  if (!first) throw new Error('refine-exp --from: no report given');
  const size = (s: StoredReport): string => `${s.report.settings.clips} clips and ${s.report.settings.rounds} rounds`;
  const methods = new Map<string, LoopMethod>();
  const loops = new Map<string, string>();
  for (const r of reports) {
    if (size(r) !== size(first))
      throw new Error(
        `refine-exp --from: ${r.file} ran ${size(r)}, ${first.file} ${size(first)}: loops on other benchmarks are not one experiment`,
      );
    for (const m of r.report.settings.methods) if (!methods.has(m.name)) methods.set(m.name, m);
    for (const run of r.report.runs) {
      const key = `${run.method} at ${run.noise} noise, seed ${run.seed}`;
      const earlier = loops.get(key);
      if (earlier !== undefined)
        throw new Error(`refine-exp --from: ${key} is in both ${earlier} and ${r.file}; give each loop once`);
      loops.set(key, r.file);
    }
  }
  return {
    ...first.report,
    settings: {
      ...first.report.settings,
      methods: [...methods.values()],
      noise: sortedUnion(reports.map((r) => r.report.settings.noise)),
      seeds: sortedUnion(reports.map((r) => r.report.settings.seeds)),
    },
    runs: reports.flatMap((r) => r.report.runs),
  };
}
