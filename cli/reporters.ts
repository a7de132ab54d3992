/** Terminal presentation of a run's progress: one progress bar per stage (cli-progress), or JSON lines. */
import cliProgress from 'cli-progress';
import pino, { type Logger } from 'pino';
import type { RunMeta, RunSummary, ShardRecord } from '../pipeline/ledger.js';
import { JsonReporter, type RunReporter } from '../pipeline/reporter.js';

/** Reporter with one progress bar per stage (rows in) and a shard bar, for terminals. */
export class BarReporter implements RunReporter {
  readonly log: Logger;
  readonly #bars = new cliProgress.MultiBar(
    {
      format: '{stage} |{bar}| {value}/{total} {unit} | {rate}/s | errors {errors}',
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
      // bars forced on a non-terminal (`--log bars` into a file) print a snapshot every 2 s instead of redrawing
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 2000,
    },
    cliProgress.Presets.shades_grey,
  );
  readonly #stageBars = new Map<
    string,
    { bar: cliProgress.SingleBar; rows: number; errors: number; started: number }
  >();
  #shardBar: cliProgress.SingleBar | undefined;
  #stageOrder: string[] = [];

  constructor(log: Logger = pino({ name: 'flywheel', level: 'warn' }, pino.destination(2))) {
    this.log = log;
  }
  planned(meta: RunMeta, _resumed: boolean, alreadyDone: number): void {
    this.#shardBar = this.#bars.create(meta.shards.length, alreadyDone, {
      stage: 'shards'.padEnd(10),
      unit: 'shards',
      rate: '-',
      errors: meta.manifest.errors,
    });
    this.#stageOrder = meta.stages.map((s) => s.name);
    const doneClips = Math.min(meta.manifest.clips, alreadyDone * meta.shard_size);
    for (const s of meta.stages) {
      const total = s.name === this.#stageOrder[0] ? meta.manifest.clips : 0;
      this.#stageBars.set(s.name, {
        bar: this.#bars.create(total, s.name === this.#stageOrder[0] ? doneClips : 0, {
          stage: s.name.padEnd(10),
          unit: 'rows',
          rate: '0',
          errors: 0,
        }),
        rows: 0,
        errors: 0,
        started: performance.now(),
      });
    }
  }
  progress(stage: string, rowsIn: number, rowsOut: number): void {
    const s = this.#stageBars.get(stage);
    if (!s) return;
    s.rows += rowsIn;
    const secs = (performance.now() - s.started) / 1000;
    s.bar.increment(rowsIn, { rate: secs > 0 ? (s.rows / secs).toFixed(1) : '0', errors: s.errors });
    const next = this.#stageOrder[this.#stageOrder.indexOf(stage) + 1];
    if (next) this.#stageBars.get(next)?.bar.setTotal((this.#stageBars.get(next)?.bar.getTotal() ?? 0) + rowsOut);
  }
  shardFinished(record: ShardRecord, status: 'done' | 'skipped' | 'duplicate'): void {
    if (status === 'skipped') return;
    this.#shardBar?.increment(1);
    for (const [name, st] of Object.entries(record.stages)) {
      const s = this.#stageBars.get(name);
      if (s) {
        s.errors += st.counters.errors;
        s.bar.update({ errors: s.errors });
      }
    }
  }
  finished(_summary: RunSummary): void {
    this.close(); // the CLI prints the summary; the bars already show the counters
  }
  close(): void {
    this.#bars.stop();
  }
}

/** How progress is shown: `bars` on a terminal, `json` log lines otherwise (the `--log` flag). */
export type LogMode = 'bars' | 'json';

/** A reporter for `mode`; without one, bars when stderr is a terminal and JSON lines otherwise. */
export function cliReporter(mode?: LogMode): RunReporter {
  const bars = mode ? mode === 'bars' : Boolean(process.stderr.isTTY);
  return bars ? new BarReporter() : new JsonReporter();
}
