/** `flywheel choice-replay <job_dir>`: a benchmark refine round's choice replayed under a changed rule (research; reads the truth). */
import type { Command } from 'commander';
import type { ChoiceRule } from '../../config/choice-rule.js';
import { collectSetting, intOption } from '../options.js';

/** Adds the `choice-replay` sub-command. */
export function register(program: Command): void {
  program
    .command('choice-replay')
    .description(
      "Replay a finished refine round's choice with its stored candidates and judges under a changed choice rule, and measure both against the benchmark truth",
    )
    .argument('<job_dir>', 'a refine job directory, e.g. runs/demo/job')
    .option('--round <k>', 'rounds to replay, comma-separated (default 0)', (v: string) =>
      v.split(',').map((x) => intOption('round', 0)(x)),
    )
    .option(
      '--tick <n>',
      'schedule ticks to replay too, comma-separated (each with the judges it chose with)',
      (v: string) => v.split(',').map((x) => intOption('tick', 0)(x)),
    )
    .option(
      '--set <key=value>',
      "change to the job's choice rule, key and JSON value (e.g. clip_side=0.5, model_min_evidence=7); repeatable",
      collectSetting,
    )
    .option('--truth <file>', "truth table (default: the one the job's config names)")
    .action(
      async (
        jobDir: string,
        o: { round?: number[]; tick?: number[]; set?: Record<string, unknown>; truth?: string },
      ) => {
        const { formatChoiceReplay, replayChoice } = await import('../../research/refine-experiment/choice-replay.js');
        const change = (o.set ?? {}) as Partial<ChoiceRule>;
        const replays = await replayChoice({
          jobDir,
          // with --tick alone, the ticks only
          rounds: o.round ?? (o.tick ? [] : [0]),
          ...(o.tick ? { ticks: o.tick } : {}),
          change,
          ...(o.truth ? { truthPath: o.truth } : {}),
        });
        process.stdout.write(formatChoiceReplay(replays, change));
      },
    );
}
