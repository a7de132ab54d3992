/** `flywheel refine <config>`: run (or resume) the iterative refinement job. */
import type { Command } from 'commander';
import { addQueueOptions, queueExecutorFromFlags, type QueueFlags } from '../queue-options.js';

const example = `{
  "run_dir": "runs/job1",              // frames, one run per round, model versions, metrics
  "manifest": "data/clips.parquet",    // clips (Parquet/CSV/JSONL); split "human" rows carry human_caption
  "media_root": "data",                // every video_uri must resolve inside it
  "truth": "data/truth.parquet",       // optional ground truth for quality metrics (flywheel gen-bench writes one)
  "rounds": 3,
  "model": { "preset": "tiny", "vocab_size": 256, "max_caption_len": 24 },
  "device": { "providers": ["cuda", "cpu"] },
  "train": { "loss": { "kind": "adatailr" }, "pretrain": { "epochs": 6, "lr": 0.003 }, "finetune": { "epochs": 3, "lr": 0.001 } },
  "adatailr": { "policy": { "kind": "threshold", "min_weight": 0.3 } }
}`;

/** Adds the `refine` sub-command. */
export function register(program: Command): void {
  const cmd = program
    .command('refine')
    .description(
      'Iterative refinement: caption → AdaTaiLr score/filter → pre-train → fine-tune on human examples, N rounds (resumable)',
    )
    .argument('<config>', 'refine config (JSON); paths are relative to the file');
  addQueueOptions(
    cmd,
    'run the frames, caption and adatailr steps on `flywheel worker` processes via this Redis server (training stays here); see docs/distributed.md',
  )
    .addHelpText(
      'after',
      `\nConfig example (comments for explanation only):\n${example}\n\nThen: flywheel export <run_dir>, flywheel report <run_dir>`,
    )
    .action(async (path: string, o: QueueFlags) => {
      // flags first: a bad flag is refused before the config is read
      const executor = await queueExecutorFromFlags(o);
      const { loadConfigFile } = await import('../../config/load.js');
      const { refineConfigSchema } = await import('../../config/refine.js');
      const { runRefine } = await import('../../jobs/refine/run-refine.js');
      // a truth table is read with the benchmark's content measure and downstream probe
      const { benchmarkRefineOptions } = await import('../../research/refine-hooks.js');
      const { formatRounds } = await import('../format-rounds.js');
      const { clipFailureLines } = await import('../inspect-job.js');
      const { cliReporter } = await import('../reporters.js');
      const config = await loadConfigFile(refineConfigSchema, path);
      const abort = new AbortController();
      const stop = (): void => abort.abort(new Error('interrupted; re-run the same command to resume'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const r = await runRefine(config, {
          signal: abort.signal,
          reporter: () => cliReporter(),
          ...(executor ? { executor } : {}),
          ...(config.truth ? benchmarkRefineOptions : {}),
        });
        const failures = (await clipFailureLines(config.run_dir)) ?? [];
        // said under the table too: the warning in the log is easy to miss in a nightly run's output
        const { sourceDiffers } = r.manifest;
        if (sourceDiffers)
          failures.unshift(
            `manifest: ${sourceDiffers}: the job read its own copy, ${r.manifest.path}; new clips are for flywheel schedule ticks`,
          );
        process.stdout.write(
          `${formatRounds(r.rounds)}\n${failures.map((f) => `${f}\n`).join('')}final model: ${r.finalModelDir}\n` +
            `next: flywheel export ${config.run_dir} (the refined dataset as Parquet), flywheel report ${config.run_dir}\n`,
        );
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
