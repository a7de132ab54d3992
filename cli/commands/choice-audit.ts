/** `flywheel choice-audit <job_dir>`: why a benchmark refine round's rows are right or wrong (research; reads the truth). */
import type { Command } from 'commander';
import { intOption } from '../options.js';

/** Adds the `choice-audit` sub-command. */
export function register(program: Command): void {
  program
    .command('choice-audit')
    .description(
      "Audit a refine job's choices against the benchmark truth: what the judge missed, what no candidate had, how its evidence separates right from wrong per source",
    )
    .argument('<job_dir>', 'a refine job directory, e.g. runs/demo/job')
    .option('--round <k>', 'rounds to audit, comma-separated (default 0)', (v: string) =>
      v.split(',').map((x) => intOption('round', 0)(x)),
    )
    .option('--truth <file>', "truth table (default: the one the job's config names)")
    .action(async (jobDir: string, o: { round?: number[]; truth?: string }) => {
      const { auditChoices, formatChoiceAudit } = await import('../../research/refine-experiment/choice-audit.js');
      const { loadAuditRound } = await import('../../research/refine-experiment/choice-audit-load.js');
      const { formatWordingCheck, wordingCheck } = await import('../../research/refine-experiment/wording.js');
      for (const k of o.round ?? [0]) {
        const r = await loadAuditRound(jobDir, k, o.truth);
        process.stdout.write(formatChoiceAudit(k, auditChoices(r.clips)));
        process.stdout.write(formatWordingCheck(wordingCheck(r)));
      }
    });
}
