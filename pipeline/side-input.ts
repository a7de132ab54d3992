/**
 * Side inputs: a stage's declared read of what a stage of *another* run stored (e.g. the frames a
 * frames run extracted once per job, read by every round). The declaration names the run, the
 * stage and the table; {@link openSideInput} checks the run's `run.json` and hands back a reader, so
 * a stage never reads another run's metadata or builds its file keys itself. Plans open every
 * declared side input before any work starts ({@link checkSideInputs}).
 */
import { typeName } from '../schemas/arrow.js';
import { layout } from './layout.js';
import { readRunMeta } from './ledger.js';
import { readParquetBatches } from './parquet.js';
import type { Storage } from './storage.js';
import type { Columns, RowOf, Table } from '../schemas/table.js';

/** A declared read of stage `stage`'s stored output in the run at `run`, rows of `table`. */
export interface SideInput<C extends Columns = Columns> {
  readonly run: Storage;
  readonly stage: string;
  readonly table: Table<C>;
}

/** Declares a side input (checked when opened: at plan time and in the stage's setup). */
export function sideInput<C extends Columns>(input: SideInput<C>): SideInput<C> {
  if (input.stage === '') throw new Error('side input: the stage name is empty');
  return input;
}

/** Reads a side input's stored output shard by shard (made by {@link openSideInput}). */
export interface SideInputReader<C extends Columns = Columns> {
  /** The other run and stage, for messages (`<run dir> stage frames`). */
  readonly description: string;
  /** The other run's shards, in order. */
  readonly shards: readonly string[];
  /** The rows that run's stage stored for `shard`, batch by batch; throws naming the run and shard when it is missing. */
  rows(shard: string): AsyncIterable<RowOf<C>[]>;
}

/** Opens a side input: the other run must have a `run.json` that lists the stage; throws naming the run otherwise. */
export async function openSideInput<C extends Columns>(input: SideInput<C>): Promise<SideInputReader<C>> {
  const { run, stage, table } = input;
  const where = `run ${run.description}`;
  const meta = await readRunMeta(run).catch((e: unknown) => {
    throw new Error(`side input ${stage} of ${where}: cannot read run.json (${(e as Error).message})`);
  });
  if (!meta) throw new Error(`side input ${stage}: ${where} has no run.json (run the ${stage} stage there first)`);
  if (!meta.stages.some((s) => s.name === stage))
    throw new Error(
      `side input ${stage}: ${where} has no stage ${JSON.stringify(stage)} (stages: ${meta.stages.map((s) => s.name).join(', ')})`,
    );
  const shards = [...meta.shards];
  return {
    description: `${where} stage ${stage}`,
    shards,
    async *rows(shard: string) {
      if (!shards.includes(shard)) throw new Error(`side input ${stage}: ${where} has no shard ${shard}`);
      const key = layout.output(stage, shard);
      if (!(await run.exists(key)))
        throw new Error(
          `side input ${stage}: ${run.description}/${key} is missing — ${where} did not finish shard ${shard}`,
        );
      for await (const batch of readParquetBatches(await run.openBlob(key))) {
        for (const f of table.schema.fields) {
          const got = batch.schema.fields.find((g) => g.name === f.name);
          if (!got || typeName(got.type) !== typeName(f.type))
            throw new Error(
              `side input ${stage}: ${run.description}/${key} has ${got ? `column ${f.name} as ${typeName(got.type)}` : `no column ${f.name}`}, expected ${typeName(f.type)}`,
            );
        }
        yield table.fromBatch(batch);
      }
    },
  };
}

/** Opens every side input a list of stages declares (plan time: a missing run fails before any work starts). */
export async function checkSideInputs(
  stages: readonly { readonly name: string; readonly sideInputs?: Readonly<Record<string, SideInput>> }[],
): Promise<void> {
  for (const s of stages) {
    for (const input of Object.values(s.sideInputs ?? {})) {
      await openSideInput(input).catch((e: unknown) => {
        throw new Error(`stage ${JSON.stringify(s.name)}: ${(e as Error).message}`, { cause: e });
      });
    }
  }
}
