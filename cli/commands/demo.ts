/** `flywheel demo`: the whole flywheel end to end on generated data, tiny model, CPU. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { intOption } from '../options.js';
import { DEMO_CLIPS } from '../../jobs/demo/demo-size.js';
import { filterPolicySchema, type FilterPolicyInput } from '../../config/filter-policy.js';

const toPolicy = (v: string): FilterPolicyInput => {
  let json: unknown;
  try {
    json = JSON.parse(v);
  } catch (e) {
    throw new InvalidArgumentError(`--policy: not JSON (${(e as Error).message})`);
  }
  const r = filterPolicySchema.safeParse(json);
  if (!r.success)
    throw new InvalidArgumentError(
      `--policy: ${r.error.issues.map((i) => `${i.path.join('.') || 'policy'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
};

/** Adds the `demo` sub-command. */
export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'Generate a small noisy benchmark, refine it for 3 rounds with the tiny model on CPU (candidates per clip, a judge chooses), export it and write the report',
    )
    .option('--dir <dir>', 'where data and job go', 'runs/demo')
    .option('--clips <n>', 'clips to generate', intOption('clips'), DEMO_CLIPS)
    .option('--rounds <n>', 'refinement rounds', intOption('rounds'), 3)
    .option('--seed <n>', 'seed', intOption('seed'), 7)
    .option(
      '--policy <json>',
      'keep policy of the adatailr stage (default {"kind":"keep-all"}: every plausible row, weighted)',
      toPolicy,
    )
    .addOption(
      new Option(
        '--scorer <model>',
        "which model scores rounds ≥ 1: the one that wrote the captions (default) or round 0's bootstrap model",
      ).choices(['caption-model', 'bootstrap']),
    )
    .option('--no-downstream', "skip the downstream retrieval probe on each round's dataset")
    .action(
      async (o: {
        dir: string;
        clips: number;
        rounds: number;
        seed: number;
        policy?: FilterPolicyInput;
        scorer?: 'caption-model' | 'bootstrap';
        downstream: boolean;
      }) => {
        const { runDemo } = await import('../../research/demo/run-demo.js');
        const { formatRounds } = await import('../format-rounds.js');
        const { cliReporter } = await import('../reporters.js');
        const t0 = performance.now();
        const r = await runDemo({
          dir: o.dir,
          clips: o.clips,
          rounds: o.rounds,
          seed: o.seed,
          reporter: () => cliReporter(),
          ...(o.policy ? { policy: o.policy } : {}),
          ...(o.scorer ? { scorer: o.scorer } : {}),
          // on by default (when the data has enough held-out clips); --no-downstream turns it off
          ...(o.downstream ? {} : { downstream: false }),
        });
        process.stdout.write(
          `${formatRounds(r.refine.rounds)}\n` +
            r.notes.map((n) => `note: ${n}\n`).join('') +
            `export: ${r.exportMetadata.rows} rows → ${r.exportDir}\n` +
            `report: ${r.reportPath}\n` +
            `done in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`,
        );
      },
    );
}
