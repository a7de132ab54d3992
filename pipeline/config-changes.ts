/**
 * What changed between the config a run or job was started with and the one it is resumed with,
 * field by field, so a refused resume says what to put back instead of showing two hashes.
 */
import diff from 'microdiff';

/**
 * Each changed field as `path old → new` (`stages.frames.count 2 → 3`; an absent side is
 * `(unset)`), both sides compared as JSON stores them; `skip` leaves out fields that may change.
 */
export function configChanges(
  before: unknown,
  after: unknown,
  skip: (path: readonly (string | number)[]) => boolean = () => false,
): string[] {
  const json = (v: unknown): Record<string, unknown> =>
    v !== null && typeof v === 'object' ? (JSON.parse(JSON.stringify(v)) as Record<string, unknown>) : {};
  const show = (v: unknown): string => (v === undefined ? '(unset)' : JSON.stringify(v));
  return diff(json(before), json(after))
    .filter((c) => !skip(c.path))
    .map(
      (c) =>
        `${c.path.join('.')} ${show(c.type === 'CREATE' ? undefined : c.oldValue)} → ${show(c.type === 'REMOVE' ? undefined : c.value)}`,
    );
}

/** At most `most` changes joined for a message (`a 1 → 2; b …; and 3 more`). */
export function listChanges(changes: readonly string[], most = 8): string {
  const more = changes.length > most ? `; and ${changes.length - most} more` : '';
  return `${changes.slice(0, most).join('; ')}${more}`;
}
