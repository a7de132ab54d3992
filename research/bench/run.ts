/**
 * `npm run bench`: every benchmark in one run, each printing its own table with ratios against a
 * baseline measured in the same run. `npm run bench -- frames scoring` runs only those; options after
 * the names go to each named bench (`npm run bench -- refine --clips 100`). `scale` (refine at 1k, 4k
 * and 16k clips, an hour or more) runs only when named. Speed lives here, never in tests.
 */
const benches: Record<string, (args: readonly string[]) => Promise<unknown>> = {
  frames: async () => (await import('./frames.js')).run(),
  datagen: async () => (await import('./datagen.js')).run(),
  'model-train': async () => (await import('./model-train.js')).run(),
  'model-generate': async () => (await import('./model-generate.js')).run(),
  scoring: async () => (await import('./scoring.js')).run(),
  distributed: async () => (await import('./distributed.js')).run(),
  downstream: async () => (await import('./downstream.js')).run(),
  import: async () => (await import('./import.js')).run(),
  join: async () => (await import('./join.js')).run(),
  'new-clips': async () => (await import('./new-clips.js')).run(),
  manifest: async () => (await import('./manifest.js')).run(),
  refine: async (args) => (await import('./refine.js')).run(args),
  workers: async (args) => (await import('./workers.js')).run(args),
  'training-set': async (args) => (await import('./training-set.js')).run(args),
  scale: async (args) => (await import('./scale.js')).run(args),
};
/** Benches too long for the default all-run. */
const onlyWhenNamed = new Set(['scale']);

/** What `--help` prints: each bench and the options it takes (its module's comment says more). */
const usage = `npm run bench [-- [names…] [options]]   every bench but scale when no name is given

  frames, datagen, model-train, model-generate, scoring, distributed, downstream, import, join, new-clips,
  manifest   (no options)
  refine        [--clips 1000] [--rounds 1] [--seed 7] [--threads 0] [--workers 0] [--pretrain-epochs N]
                [--max-steps N] [--frame-cache-mb N] [--data-dir DIR] [--json FILE] [--log]
  workers       [--clips 1000] [--seed 7] [--workers 0] [--data-dir DIR]
  training-set  [--clips 1000] [--seed 7] [--data-dir DIR]
  scale         [--sizes 1000,4000,16000] [refine options]   (only when named)

Each bench is research/bench/<name>.ts; docs/performance.md has their results.
`;

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(usage);
  process.exit(0);
}
const firstOption = argv.findIndex((a) => a.startsWith('-'));
const wanted = firstOption < 0 ? argv : argv.slice(0, firstOption);
const options = firstOption < 0 ? [] : argv.slice(firstOption);
for (const name of wanted) {
  if (!(name in benches)) {
    process.stderr.write(
      `bench: unknown benchmark ${JSON.stringify(name)} (have: ${Object.keys(benches).join(', ')})\n`,
    );
    process.exit(2);
  }
}
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 ? !wanted.includes(name) : onlyWhenNamed.has(name)) continue;
  process.stdout.write(`\n=== ${name} ===\n`);
  const t0 = performance.now();
  await run(options);
  process.stdout.write(`=== ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s ===\n`);
}
