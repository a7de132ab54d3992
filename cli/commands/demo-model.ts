/** `flywheel demo-model`: rebuild the demo's embedded pre-trained captioner and judge (jobs/demo/pretrained, jobs/demo/pretrained-judge). */
import type { Command } from 'commander';

/** Adds the `demo-model` sub-command. */
export function register(program: Command): void {
  program
    .command('demo-model')
    .description(
      "Rebuild the demo's embedded captioner: generate 20,000 clips (benchmark seed 1000), refine them one round from their own text (no truth read), keep that round's model",
    )
    .option('--dir <dir>', 'where the generated data and the pre-training job go (resumable)', 'runs/demo-model')
    .option('--out <dir>', 'where the model version is written (replaced); default the embedded one')
    .option(
      '--judge-out <dir>',
      'where the judge is written (replaced); default the embedded one, or <out>-judge with --out',
    )
    .action(async (o: { dir: string; out?: string; judgeOut?: string }) => {
      const { buildDemoModel } = await import('../../research/demo/pretrained-model.js');
      const { cliReporter } = await import('../reporters.js');
      const t0 = performance.now();
      const out = await buildDemoModel({
        dir: o.dir,
        reporter: () => cliReporter(),
        ...(o.out ? { out: o.out } : {}),
        ...(o.judgeOut ? { judgeOut: o.judgeOut } : {}),
      });
      process.stdout.write(
        `model: ${out.model}\njudge: ${out.judge}\ndone in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`,
      );
    });
}
