/** A manifest row as read from the file, before validation. */

/** One data row of a manifest file with its 1-based row number (header lines not counted). */
export interface RawRow {
  readonly row: number;
  /** Field values, or a reason the row could not even be parsed. */
  readonly values: Record<string, unknown> | { readonly unparsable: string };
}

/** True when the raw row could not be parsed at all. */
export function isUnparsable(v: RawRow['values']): v is { readonly unparsable: string } {
  return typeof (v as { unparsable?: unknown }).unparsable === 'string' && Object.keys(v).length === 1;
}
