/**
 * Options of the adatailr stage's keep policy: which rows it keeps from their AdaTaiLr weights
 * (`stages/adatailr/filter-policy.ts` applies it). Policies are data, so a config can name one.
 */
import { z } from 'zod';

/** Config schema of the keep policy. */
export const filterPolicySchema = z.discriminatedUnion('kind', [
  /** Keep rows whose mean token weight is at least `min_weight`. */
  z.object({ kind: z.literal('threshold'), min_weight: z.number().min(0).max(1).default(0.5) }).strict(),
  /** Keep the `fraction` of rows with the highest mean token weight (ranked within each shard). */
  z.object({ kind: z.literal('top-fraction'), fraction: z.number().gt(0).max(1).default(0.7) }).strict(),
  /**
   * Drop the estimated noise fraction ρ̂ of rows with the lowest mean token weight, keep the rest:
   * top-fraction with fraction 1 − ρ̂, where ρ̂ is the share of implausible captions among the rows
   * being scored (the AdaTaiLr noise estimate). Not told the noise level; drops at most `max_drop`.
   */
  z.object({ kind: z.literal('estimated-noise'), max_drop: z.number().min(0).max(1).default(0.9) }).strict(),
  /** Keep every row; its weight goes to the trainer and the export. */
  z.object({ kind: z.literal('keep-all') }).strict(),
]);

/** A validated keep policy. */
export type FilterPolicy = z.infer<typeof filterPolicySchema>;

/** A keep policy as written in a config (defaults not yet filled in). */
export type FilterPolicyInput = z.input<typeof filterPolicySchema>;
