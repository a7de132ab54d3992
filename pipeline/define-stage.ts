/**
 * `defineStage`: the one way a stage is made. Its input and output are declared tables (so the
 * Arrow schemas and row types come from one source and `process` works on typed rows), its
 * settings are validated with defaults filled in, and its side inputs are opened through
 * `side-input.ts` before `setup` sees them. A bad declaration throws here, naming the stage and field.
 */
import { z } from 'zod';
import { typeName } from '../schemas/arrow.js';
import { openSideInput, type SideInput, type SideInputReader } from './side-input.js';
import type { AnyStage, StageContext, StageResources } from './stage.js';
import type { Columns, RowOf, Table } from '../schemas/table.js';

/** Side inputs of a stage, by name. */
export type SideInputs = Readonly<Record<string, SideInput>>;

/** The opened readers of declared side inputs, by the same names. */
export type SideInputReaders<S extends SideInputs> = {
  readonly [K in keyof S]: S[K] extends SideInput<infer C> ? SideInputReader<C> : never;
};

/** What a stage declares; everything but name, tables and `process` has a default. */
export interface StageSpec<I extends Columns, O extends Columns, S extends SideInputs = Record<never, SideInput>> {
  /** Unique name; also the output directory and the `stage` column of error rows. */
  readonly name: string;
  readonly input: Table<I>;
  readonly output: Table<O>;
  /** What is stored: omitted = the whole output; a narrower table = that projection; `false` = nothing (in-flight only; error rows are still stored). */
  readonly stored?: Table | false;
  /** Default 1 CPU, 0 GPUs. */
  readonly resources?: Partial<StageResources>;
  /** Rows per `process` call. Default 64; not allowed with `wholeShard`. */
  readonly batchSize?: number;
  /** `process` calls in flight at once. Default 1. */
  readonly concurrency?: number;
  /** An input column whose equal values reach `process` together (see `Stage.groupBy`). */
  readonly groupBy?: keyof I & string;
  /** One `process` call per shard, with all its rows (see `Stage.wholeShard`). Default false. */
  readonly wholeShard?: boolean;
  readonly sideInputs?: S;
  /** Once per process before any batch, with the side inputs opened. */
  setup?(inputs: SideInputReaders<S>): Promise<void>;
  /** The stage's work on one batch of rows; bad rows go to `ctx.reportError`. */
  process(rows: RowOf<I>[], ctx: StageContext): Promise<RowOf<O>[]>;
  /** Always called after `setup` succeeded, even when the run failed. */
  teardown?(): Promise<void>;
}

/** Rows a whole-shard stage's input is read in (the source's chunk size; `process` still sees the whole shard). */
const WHOLE_SHARD_READ_ROWS = 1024;

const count = (min: number) => z.number().int().min(min);

const settingsSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, - or _ (it names a directory)'),
    resources: z.object({ cpus: count(0).default(1), gpus: count(0).default(0) }).strict(),
    batchSize: count(1).optional(),
    concurrency: count(1).default(1),
    groupBy: z.string().min(1).optional(),
    wholeShard: z.boolean().default(false),
  })
  .strict();

/** How a value reads in an error message (strings quoted, so `"4"` differs from `4`). */
function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'function' ? 'a function' : String(value);
}

/**
 * Parses a stage's options with `schema` (defaults filled in); throws one message naming the stage
 * and every bad field with the value it got, e.g. `stage "caption": modelBatch: Too small … (got 0)`.
 */
export function parseStageOptions<T extends z.ZodType>(stage: string, schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const at = (path: readonly PropertyKey[]): unknown =>
    path.reduce<unknown>(
      (v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
      value,
    );
  const problems = r.error.issues.map((i) => {
    const field = i.path.length > 0 ? i.path.map(String).join('.') : 'options';
    const got = i.path.length > 0 ? ` (got ${show(at(i.path))})` : '';
    return `${field}: ${i.message}${got}`;
  });
  throw new Error(`stage ${JSON.stringify(stage)}: ${problems.join('; ')}`);
}

/** Makes a stage from its declaration: validated, defaults filled in, rows typed by the declared tables. */
export function defineStage<I extends Columns, O extends Columns, S extends SideInputs = Record<never, SideInput>>(
  spec: StageSpec<I, O, S>,
): AnyStage {
  const name = typeof spec.name === 'string' ? spec.name : String(spec.name);
  const settings = parseStageOptions(name, settingsSchema, {
    name: spec.name,
    resources: spec.resources ?? {},
    batchSize: spec.batchSize,
    concurrency: spec.concurrency,
    groupBy: spec.groupBy,
    wholeShard: spec.wholeShard,
  });
  const fail = (msg: string): never => {
    throw new Error(`stage ${JSON.stringify(name)}: ${msg}`);
  };
  const inputs = spec.input.schema.fields.map((f) => f.name);
  if (settings.groupBy !== undefined && !inputs.includes(settings.groupBy))
    fail(`groupBy: ${JSON.stringify(settings.groupBy)} is not an input column (has ${inputs.join(', ')})`);
  if (settings.wholeShard && settings.batchSize !== undefined)
    fail(`batchSize: a wholeShard stage gets one batch per shard, so batchSize ${settings.batchSize} would be ignored`);
  if (settings.wholeShard && settings.groupBy !== undefined)
    fail('groupBy: a wholeShard stage gets one batch per shard, so it cannot also be grouped');
  const stored = spec.stored;
  if (stored) {
    for (const f of stored.schema.fields) {
      const o = spec.output.schema.fields.find((g) => g.name === f.name);
      if (!o || typeName(o.type) !== typeName(f.type))
        fail(`stored: column ${JSON.stringify(f.name)} is not an output column of the same type`);
    }
  }
  const sideInputs: S = spec.sideInputs ?? ({} as S);
  return {
    name: settings.name,
    resources: settings.resources,
    batchSize: settings.batchSize ?? (settings.wholeShard ? WHOLE_SHARD_READ_ROWS : 64),
    concurrency: settings.concurrency,
    wholeShard: settings.wholeShard,
    ...(settings.groupBy !== undefined ? { groupBy: settings.groupBy } : {}),
    ...(stored === false ? { persist: false } : {}),
    ...(stored ? { persistSchema: stored.schema } : {}),
    inputSchema: spec.input.schema,
    outputSchema: spec.output.schema,
    sideInputs,
    async setup() {
      const readers: Record<string, SideInputReader> = {};
      for (const [key, input] of Object.entries(sideInputs)) readers[key] = await openSideInput(input);
      await spec.setup?.(readers as SideInputReaders<S>);
    },
    async process(batch, ctx) {
      return spec.output.toBatch(await spec.process(spec.input.fromBatch(batch), ctx));
    },
    async teardown() {
      await spec.teardown?.();
    },
  };
}
