/**
 * `npm run gpu-check`: is this machine's GPU usable from flywheel, and how fast against its CPU?
 * For each GPU provider (CUDA, then WebGPU) it opens a session on `[provider, 'cpu']` — the same
 * logged fallback as a job — says which provider actually loaded and, when it did, times one
 * training step and one caption batch of the captioner on it; then the same on CPU. Nothing is downloaded: random weights, random
 * frames. The `small` preset at batch 16 takes well under 5 minutes even on 2 CPU cores.
 *
 * Options: --providers cuda,webgpu (GPU providers to try), --preset small, --batch 16,
 * --threads 0 (CPU threads, 0 = ORT default), --json (one JSON line at the end).
 */
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { makeConfig, type PresetName, PRESETS } from '../models/captioner/config.js';
import { initWeights, paramSpecs } from '../models/captioner/params.js';
import { Device, PROVIDER_NAMES, type ProviderName } from '../models/device.js';
import { Captioner } from '../models/inference.js';
import { Graph } from '../models/graph/graph.js';
import * as o from '../models/graph/ops.js';
import { serialize } from '../models/graph/serialize.js';
import { CaptionTokenizer } from '../models/tokenizer.js';
import { Trainer } from '../models/trainer.js';

/** One measured provider. */
export interface CheckRow {
  readonly requested: ProviderName;
  /** What the sessions really ran on (after any fallback). */
  readonly used: ProviderName;
  /** Timings, only for a provider that loaded (a fallback is not timed twice: see the CPU row). */
  readonly train_step_ms?: number;
  readonly caption_batch_ms?: number;
  /** Fallback warnings, if any. */
  readonly warnings: readonly string[];
}

const VOCAB = 1000;

async function measure(
  requested: ProviderName,
  preset: PresetName,
  batchSize: number,
  threads: number,
): Promise<CheckRow> {
  const warnings: string[] = [];
  const providers: ProviderName[] = requested === 'cpu' ? ['cpu'] : [requested, 'cpu'];
  const device = new Device({ providers, intraOpThreads: threads, warn: (m) => warnings.push(m) });
  // which provider loads, on a one-op graph (the logged fallback, as in a job)
  const g = new Graph('gpu-check');
  g.output(o.add(g.input('x', 'float32', [4]), o.scalar(g, 1, 'float32')), 'y');
  const probe = await device.session(serialize(g));
  await probe.session.release();
  if (probe.provider !== requested) return { requested, used: probe.provider, warnings };
  const cfg = makeConfig(preset, VOCAB);
  const tok = CaptionTokenizer.train(['a small placeholder corpus for the gpu check tokenizer'], { vocabSize: 60 });
  const model = { config: cfg, tokenizer: tok, weights: initWeights(paramSpecs(cfg), 1) };
  const S = cfg.frameSize;
  const frames = new Uint8Array(batchSize * cfg.frames * S * S * 3).map((_, i) => (i * 2654435761) >>> 24);
  const text = Array.from({ length: batchSize }, (_, b) =>
    Array.from({ length: 12 }, (_, i) => 4 + ((b * 7 + i * 13) % (VOCAB - 4))),
  );
  const captions = Array.from({ length: batchSize }, (_, b) =>
    Array.from({ length: cfg.maxCaptionLen - 2 }, (_, i) => 4 + ((b * 5 + i * 11) % (VOCAB - 4))),
  );
  const trainer = await Trainer.create(model, device);
  await trainer.step({ frames, text, captions }); // warm-up: first run allocates and compiles
  let t = performance.now();
  await trainer.step({ frames, text, captions });
  const train = performance.now() - t;
  await trainer.release();
  const cap = await Captioner.fromModel(model, device);
  await cap.generate({ frames, text }, { maxLen: 2 });
  t = performance.now();
  await cap.generate({ frames, text }, { maxLen: Math.min(16, cfg.maxCaptionLen - 1) });
  const caption = performance.now() - t;
  await cap.release();
  // the provider that served both the trainer and the captioner (a fallback sticks to the device)
  return { requested, used: device.provider, train_step_ms: train, caption_batch_ms: caption, warnings };
}

/** Runs the check; returns the rows (CPU last). */
export async function gpuCheck(opts: {
  providers: readonly ProviderName[];
  preset: PresetName;
  batch: number;
  threads: number;
  log: (line: string) => void;
}): Promise<CheckRow[]> {
  const { log } = opts;
  const backends = ort.listSupportedBackends().map((b) => `${b.name}${b.bundled ? '' : ' (not bundled)'}`);
  log(
    `gpu-check: onnxruntime-node ${ort.env.versions.common}, backends ${backends.join(', ')}; preset ${opts.preset}, batch ${opts.batch}`,
  );
  const rows: CheckRow[] = [];
  for (const p of opts.providers.filter((x) => x !== 'cpu')) {
    const r = await measure(p, opts.preset, opts.batch, opts.threads);
    for (const w of r.warnings) log(`  ${w}`);
    log(`${p}: provider used: ${r.used}${r.used === p ? '' : ` (${p} unavailable, CPU fallback)`}`);
    rows.push(r);
  }
  const cpu = await measure('cpu', opts.preset, opts.batch, opts.threads);
  log(`cpu: provider used: ${cpu.used}`);
  rows.push(cpu);
  log('\nrequested  used     train step ms  caption batch ms  vs CPU (train / caption)');
  const ms = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(1));
  const ratio = (base: number | undefined, x: number | undefined): string =>
    base === undefined || x === undefined ? '—' : `${(base / x).toFixed(2)}×`;
  for (const r of rows) {
    const vs =
      r.train_step_ms === undefined
        ? 'not timed (fell back to CPU)'
        : `${ratio(cpu.train_step_ms, r.train_step_ms)} / ${ratio(cpu.caption_batch_ms, r.caption_batch_ms)}`;
    log(
      `${r.requested.padEnd(10)} ${r.used.padEnd(8)} ${ms(r.train_step_ms).padStart(13)} ${ms(r.caption_batch_ms).padStart(17)}  ${vs}`,
    );
  }
  const gpu = rows.find((r) => r.used !== 'cpu');
  log(gpu ? `\nGPU ready: ${gpu.used}` : '\nno GPU provider loaded: flywheel will run on the CPU (see README "GPU")');
  return rows;
}

const isMain = process.argv[1] !== undefined && /scripts[\\/]gpu-check\.ts$/.test(process.argv[1]);
if (isMain) {
  const { values } = parseArgs({
    options: {
      providers: { type: 'string', default: 'cuda,webgpu' },
      preset: { type: 'string', default: 'small' },
      batch: { type: 'string', default: '16' },
      threads: { type: 'string', default: '0' },
      json: { type: 'boolean', default: false },
    },
  });
  const providers = values.providers.split(',').map((s) => s.trim());
  for (const p of providers)
    if (!(PROVIDER_NAMES as readonly string[]).includes(p))
      throw new Error(
        `gpu-check: --providers: unknown provider ${JSON.stringify(p)} (expected ${PROVIDER_NAMES.join(', ')})`,
      );
  if (!(values.preset in PRESETS))
    throw new Error(
      `gpu-check: --preset must be one of ${Object.keys(PRESETS).join(', ')} (got ${JSON.stringify(values.preset)})`,
    );
  const batch = Number(values.batch);
  const threads = Number(values.threads);
  if (!Number.isInteger(batch) || batch < 1)
    throw new Error(`gpu-check: --batch must be a positive integer (got ${JSON.stringify(values.batch)})`);
  if (!Number.isInteger(threads) || threads < 0)
    throw new Error(`gpu-check: --threads must be a non-negative integer (got ${JSON.stringify(values.threads)})`);
  const started = performance.now();
  const rows = await gpuCheck({
    providers: providers as ProviderName[],
    preset: values.preset as PresetName,
    batch,
    threads,
    log: (l) => console.log(l),
  });
  console.log(`gpu-check finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (values.json) console.log(JSON.stringify(rows));
}
