/**
 * Round 0's captions come from the clip's own text: the ASR transcript (or the title when the
 * transcript is empty), normalised the way the metrics tokenise — lower case, no punctuation, one
 * space — and cut to at most 64 words (a bound, not a caption length: the model truncates its own tokens).
 */

/** Normalised caption text from a transcript, falling back to the title; '' when both are empty. */
export function captionFromText(asr: string, title: string | null, maxWords = 64): string {
  const norm = (s: string): string =>
    s
      .toLowerCase()
      .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  const text = norm(asr) || norm(title ?? '');
  return text.split(' ').filter(Boolean).slice(0, maxWords).join(' ');
}
