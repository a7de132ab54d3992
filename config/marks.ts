/**
 * Per-field marks on the config schemas: whether a field is hashed (decides the run's outputs, so a
 * resume with another value is refused) and whether it is a file path (resolved against the config
 * file's directory). Each field is marked once, where it is declared; the hash projection and the
 * path resolution are both derived from the marks, and a field without a mark is an error at first use.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

/** What a config field's mark says. */
export interface FieldMark {
  /** Part of the config hash: changing it changes the run's outputs. */
  readonly hashed: boolean;
  /** A file or directory path, resolved against the config file's directory by the loader. */
  readonly path: boolean;
}

const marks = z.registry<FieldMark, z.ZodType>();

/** Marks live on schema instances: one instance shared by two fields would carry the last mark for both. */
function mark<S extends z.ZodType>(schema: S, m: FieldMark): S {
  if (marks.has(schema)) throw new Error('this schema instance is already marked; mark a fresh one per field');
  marks.add(schema, m);
  return schema;
}

/** Marks a field (or a whole sub-object) as output-affecting: it is hashed, and a resume must keep it. */
export function hashed<S extends z.ZodType>(schema: S, opts: { path?: boolean } = {}): S {
  return mark(schema, { hashed: true, path: opts.path ?? false });
}

/** Marks a field (or a whole sub-object) as not hashed: a resume may change it (cores, devices, binaries, run dir). */
export function unhashed<S extends z.ZodType>(schema: S, opts: { path?: boolean } = {}): S {
  return mark(schema, { hashed: false, path: opts.path ?? false });
}

/** The schema under optional/default/prefault/nullable wrappers, with the first mark met on the way. */
function peel(schema: z.ZodType): { inner: z.ZodType; mark: FieldMark | undefined } {
  let s = schema;
  let mark = marks.get(s);
  while (!mark) {
    const def = s._zod.def as { innerType?: z.ZodType };
    if (!def.innerType) break;
    s = def.innerType;
    mark = marks.get(s);
  }
  return { inner: s, mark };
}

/** One marked field of a config schema, by its dotted path. */
export interface MarkedField extends FieldMark {
  readonly field: string;
}

const checked = new WeakMap<z.ZodType, readonly MarkedField[]>();

/**
 * Every marked field of a config schema (an object schema whose fields are marked, or are unmarked
 * objects whose fields are). Throws naming the first field that has no mark, so a new field cannot
 * silently fall in or out of the hash.
 */
export function markedFields(schema: z.ZodType): readonly MarkedField[] {
  const cached = checked.get(schema);
  if (cached) return cached;
  const out: MarkedField[] = [];
  const walk = (s: z.ZodType, at: string): void => {
    const { inner, mark } = peel(s);
    if (mark) {
      out.push({ field: at || '(root)', ...mark });
      return;
    }
    if (!(inner instanceof z.ZodObject)) {
      throw new Error(
        `config field ${at || '(root)'} is neither marked hashed() or unhashed() nor an object of marked fields`,
      );
    }
    for (const [key, field] of Object.entries<z.ZodType>(inner.shape)) {
      walk(field, at ? `${at}.${key}` : key);
    }
  };
  walk(schema, '');
  checked.set(schema, out);
  return out;
}

/** Rebuilds `value` with `f` applied to each marked field's value; an `undefined` result drops the key. */
function mapMarked(schema: z.ZodType, value: unknown, f: (mark: FieldMark, v: unknown) => unknown): unknown {
  markedFields(schema);
  const map = (s: z.ZodType, v: unknown): unknown => {
    const { inner, mark } = peel(s);
    if (mark) return f(mark, v);
    if (v === undefined || v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries<z.ZodType>((inner as z.ZodObject).shape)) {
      const mapped = map(field, (v as Record<string, unknown>)[key]);
      if (mapped !== undefined) out[key] = mapped;
    }
    return out;
  };
  return map(schema, value);
}

/**
 * The part of a parsed config that decides the run's outputs: only the fields marked {@link hashed}.
 * The resume check hashes it and the run's metadata stores it.
 */
export function hashedPart(schema: z.ZodType, config: unknown): unknown {
  return mapMarked(schema, config, (mark, v) => (mark.hashed ? v : undefined));
}

/** The config with every field marked as a path resolved against `base` (the config file's directory). */
export function resolvePaths<S extends z.ZodType>(schema: S, config: z.infer<S>, base: string): z.infer<S> {
  return mapMarked(schema, config, (mark, v) =>
    mark.path && typeof v === 'string' ? resolve(base, v) : v,
  ) as z.infer<S>;
}
