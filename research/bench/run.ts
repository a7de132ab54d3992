/**
 * `npm run bench`: every benchmark in one run, each printing its own table with ratios against a
 * baseline measured in the same run. `npm run bench -- frames scoring` runs only those.
 * Speed lives here, never in tests.
 */
const benches: Record<string, () => Promise<unknown>> = {
  frames: async () => (await import('./frames.js')).run(),
  datagen: async () => (await import('./datagen.js')).run(),
  'model-train': async () => (await import('./model-train.js')).run(),
  'model-generate': async () => (await import('./model-generate.js')).run(),
  scoring: async () => (await import('./scoring.js')).run(),
  distributed: async () => (await import('./distributed.js')).run(),
  downstream: async () => (await import('./downstream.js')).run(),
  import: async () => (await import('./import.js')).run(),
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in benches)) {
    process.stderr.write(
      `bench: unknown benchmark ${JSON.stringify(name)} (have: ${Object.keys(benches).join(', ')})\n`,
    );
    process.exit(2);
  }
}
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  process.stdout.write(`\n=== ${name} ===\n`);
  const t0 = performance.now();
  await run();
  process.stdout.write(`=== ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s ===\n`);
}
