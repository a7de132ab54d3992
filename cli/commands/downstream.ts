/**
 * `flywheel downstream <dataset…>`: does a dataset train a better video-language model? Trains the
 * same retrieval probe on each dataset (refine round exports, raw manifests) and on the
 * truth-caption upper bound, and compares zero-shot text↔video retrieval and video QA on the
 * held-out clips. See docs/downstream.md.
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CaptionTokenizer } from '../../models/tokenizer.js';
import { workerCount } from '../../pipeline/thread-pool.js';
import { DEFAULT_QUERIES, QUERY_WORDINGS, type QueryWording } from '../../research/downstream/wordings.js';
import { intOption } from '../options.js';

const toSeeds = (v: string): number | number[] => {
  if (/^\d+$/.test(v)) return intOption('seeds', 1)(v);
  const xs = v.split(',').map((x) => Number(x.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 0))
    throw new InvalidArgumentError(
      `--seeds must be a count (3) or a comma-separated list of seeds (1,2,3) (got ${JSON.stringify(v)})`,
    );
  return xs;
};
const toLr = (v: string): number => {
  const n = Number(v);
  if (!(n > 0 && Number.isFinite(n)))
    throw new InvalidArgumentError(`--lr must be a positive number (got ${JSON.stringify(v)})`);
  return n;
};

/** A tokenizer.json, refused with the file named when it cannot be read or is not one. */
async function readTokenizer(file: string): Promise<CaptionTokenizer> {
  const { CaptionTokenizer } = await import('../../models/tokenizer.js');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`--tokenizer ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, {
      cause: e,
    });
  }
  try {
    const tok = CaptionTokenizer.fromJSON(text);
    await tok.encodeBatch(['a']);
    return tok;
  } catch (e) {
    throw new Error(`--tokenizer ${file}: not a tokenizer.json (${(e as Error).message})`, { cause: e });
  }
}

interface Opts {
  manifest?: string;
  truth: string;
  frames?: string;
  cacheDir: string;
  mediaRoot?: string;
  frameCount: number;
  frameSize: number;
  seeds: number | number[];
  steps: number;
  batch: number;
  lr: number;
  threads: number;
  workers: number;
  unweighted?: boolean;
  upperBound: boolean;
  narratedBound?: boolean;
  wrongBound?: number[];
  queries: QueryWording;
  textLen?: number;
  json?: boolean;
  out?: string;
  tokenizer?: string;
}

const toFractions = (v: string): number[] => {
  const xs = v.split(',').map((x) => Number(x.trim()));
  if (xs.length === 0 || xs.some((x) => !(x > 0 && x <= 1)))
    throw new InvalidArgumentError(
      `--wrong-bound takes fractions in (0, 1], comma-separated (got ${JSON.stringify(v)})`,
    );
  return xs;
};

/** Adds the `downstream` sub-command. */
export function register(program: Command): void {
  program
    .command('downstream')
    .description(
      'Train one retrieval probe per dataset (round exports, raw manifests, truth upper bound) and compare zero-shot text↔video retrieval and video QA on the held-out clips',
    )
    .argument(
      '<dataset...>',
      'a refine export directory (exports/round-<k>) or a manifest file (its transcripts as the text); name one with name=path',
    )
    .requiredOption(
      '--truth <file>',
      'truth sidecar (truth.parquet): held-out queries, QA questions and the upper bound',
    )
    .option('--manifest <file>', 'manifest with the held-out clips (default: the first manifest among the datasets)')
    .option(
      '--frames <dir>',
      'a refine job directory (uses its frames/) or a frames run; default: extract frames into --cache-dir',
    )
    .option('--cache-dir <dir>', 'where extracted frames are cached (resumable)', 'runs/downstream')
    .option('--media-root <dir>', "videos' root for extraction (default: the manifest's directory)")
    .option('--frame-count <n>', 'frames per clip when extracting', intOption('frame-count', 2), 4)
    .option('--frame-size <px>', 'frame side when extracting', intOption('frame-size', 8), 32)
    .option('--seeds <n|list>', 'seeds: a count (1..n) or a list', toSeeds, 3)
    .option('--steps <n>', 'training steps per probe', intOption('steps', 1), 300)
    .option(
      '--text-len <tokens>',
      'tokens of each text the probe reads (default 40; reports before the narrated queries used 24)',
      intOption('text-len', 4),
    )
    .option('--batch <n>', 'rows per batch (in-batch negatives)', intOption('batch', 2), 32)
    .option('--lr <x>', 'learning rate', toLr, 2e-3)
    .option(
      '--threads <n>',
      'ONNX Runtime threads per op (fixed for reproducibility; 0 = ORT chooses)',
      intOption('threads', 0),
      1,
    )
    .option(
      '--workers <n>',
      'worker threads training the runs side by side (the same runs; 0 = one per core, at most 4)',
      intOption('workers', 0),
      0,
    )
    .option('--unweighted', "ignore the exports' quality_weight (every row weight 1)")
    .option('--no-upper-bound', 'do not train the truth-caption upper bound')
    .addOption(
      new Option(
        '--queries <wording>',
        "the held-out queries' and QA options' wording: the truth captions, the truth in the people's words, or both averaged",
      )
        .choices(QUERY_WORDINGS)
        .default(DEFAULT_QUERIES),
    )
    .option(
      '--wrong-bound <fractions>',
      'also train on the upper bound with these fractions of its rows made wrong (e.g. 0.05,0.1,0.2): how far the probe moves per point of wrong rows',
      toFractions,
    )
    .option(
      '--narrated-bound',
      "also train on the truth in the people's words (clean transcripts as they are, the others narrated from their truth): what the wording alone is worth",
    )
    .option(
      '--tokenizer <file>',
      "a fixed tokenizer.json (e.g. the refine job's): a dataset's scores then do not move with the other datasets of the command",
    )
    .option('--json', 'print the result as JSON instead of tables')
    .option('--out <file>', 'also write the full result as JSON (atomically)')
    .action(async (specs: string[], o: Opts) => {
      const { runDownstream, parseDatasetSpec } = await import('../../research/downstream/run-downstream.js');
      const { formatDownstream } = await import('../../research/downstream/table.js');
      const tokenizer = o.tokenizer ? await readTokenizer(o.tokenizer) : undefined;
      const abort = new AbortController();
      const stop = (): void => abort.abort(new Error('interrupted'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const r = await runDownstream({
          datasets: specs.map(parseDatasetSpec),
          truth: o.truth,
          ...(o.manifest ? { manifest: o.manifest } : {}),
          ...(o.frames ? { frames: o.frames } : {}),
          cacheDir: o.cacheDir,
          ...(o.mediaRoot ? { mediaRoot: o.mediaRoot } : {}),
          frameCount: o.frameCount,
          frameSize: o.frameSize,
          seeds: o.seeds,
          steps: o.steps,
          batch: o.batch,
          lr: o.lr,
          threads: o.threads,
          workers: workerCount(o.workers),
          weighted: !o.unweighted,
          withUpperBound: o.upperBound,
          withNarratedBound: o.narratedBound === true,
          ...(o.wrongBound ? { wrongBound: o.wrongBound } : {}),
          queries: o.queries,
          ...(o.textLen !== undefined ? { probe: { maxTextLen: o.textLen } } : {}),
          ...(o.out ? { out: o.out } : {}),
          ...(tokenizer ? { tokenizer } : {}),
          signal: abort.signal,
          onRun: (run, done, total) =>
            process.stderr.write(
              `[${done}/${total}] ${run.dataset} seed ${run.seed}: T→V R@1 ${run.metrics.t2v_r1.toFixed(1)}, QA ${run.metrics.qa_all.toFixed(1)} (${run.seconds.toFixed(1)} s)\n`,
            ),
        });
        if (o.json)
          process.stdout.write(
            `${JSON.stringify({ ...r.result, notes: r.notes, frames_run: r.framesRun }, null, 2)}\n`,
          );
        else
          process.stdout.write(
            `${formatDownstream(r.result)}\n${r.notes.map((n) => `- ${n}`).join('\n')}\n- frames: ${r.framesRun}\ndone in ${r.result.seconds.toFixed(0)} s\n`,
          );
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
