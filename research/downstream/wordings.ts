/**
 * The wordings the probe's held-out side can be said in (`query-wording.ts` says why there are two):
 * the names a setting, a table and the command line share.
 */
/** How the held-out queries and answer options are worded. */
export const QUERY_WORDINGS = ['canonical', 'narrated', 'both'] as const;
/** `canonical`: the truth captions; `narrated`: the truth in the people's words; `both`: each scored, then averaged. */
export type QueryWording = (typeof QUERY_WORDINGS)[number];
/** The wording a comparison scores in unless told otherwise. */
export const DEFAULT_QUERIES: QueryWording = 'both';
/** One wording a probe is scored in. */
export type ScoredWording = Exclude<QueryWording, 'both'>;

/** The wordings a setting scores, in order. */
export function scoredWordings(w: QueryWording): ScoredWording[] {
  return w === 'both' ? ['canonical', 'narrated'] : [w];
}
