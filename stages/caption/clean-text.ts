/**
 * Round 0's captions come from the clip's own text: the ASR transcript (or the title when the
 * transcript is empty), normalised the way the metrics tokenise — lower case, no punctuation, one
 * space — and cut to at most 64 words (a bound, not a caption length: the model truncates its own tokens).
 * A title also offers its lead part, without the tagline web titles carry after a vertical bar.
 */

const norm = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** Normalised caption text from a transcript, falling back to the title; '' when both are empty. */
export function captionFromText(asr: string, title: string | null, maxWords = 64): string {
  const text = norm(asr) || norm(title ?? '');
  return text.split(' ').filter(Boolean).slice(0, maxWords).join(' ');
}

/** What separates a web title's parts: a vertical bar, ASCII or full-width. */
const TITLE_PARTS = /[|\uff5c]/;

/**
 * A title's lead part as caption text: what comes before its first vertical bar, normalised as
 * {@link captionFromText} does ('' when the title has no bar or nothing before it). Web titles put
 * a series, channel or tagline after the bar ("Red Square Going Right | Learn Shapes"), words any
 * clip of the channel carries. The caption stage offers the lead part beside the whole title, and
 * the choice puts it in the place of a whole title that won, where the judges score it about as
 * well (`title_lead_margin`).
 */
export function titleLead(title: string | null, maxWords = 64): string {
  const parts = (title ?? '').split(TITLE_PARTS);
  if (parts.length < 2) return '';
  return captionFromText(parts[0], null, maxWords);
}
