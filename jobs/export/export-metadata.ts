/** What an export's `metadata.json` holds: read by the dataset card, the WebDataset writer and `inspect`. */
import type { ChoiceRule } from '../../config/choice-rule.js';
import type { RoundRecord } from '../refine/round-metrics.js';

/** One export a joined export was made of. */
export interface ExportPart {
  /** The export's folder name (`round-2`, `tick-00000`). */
  readonly export: string;
  readonly round: number;
  readonly tick: number | null;
  readonly dataset_id: string;
  readonly run_id: string;
  readonly config_hash: string;
  /** Its rows (the joined export has fewer where a later part replaced one). */
  readonly rows: number;
}

/** Contents of an export's `metadata.json`. */
export interface ExportMetadata {
  readonly schema_version: string;
  readonly dataset_id: string;
  /** The round exported; for a tick's export, the job's last finished round before the tick (-1 when none). */
  readonly round: number;
  /** The schedule tick exported; null for a round's export (absent in exports written before ticks were told apart). */
  readonly tick?: number | null;
  readonly run_id: string;
  readonly config_hash: string;
  readonly rows: number;
  readonly dropped: number;
  /** The dropped clips with the reason for each (`schemas/dropped.ts`), beside the data files and not among them. */
  readonly dropped_file: string;
  /** How many clips the round could not process (a missing or broken video, a model error). */
  readonly errors: number;
  /** Their errors, one row per error with its cause (`schemas/dropped.ts`'s failed table), beside the data files. */
  readonly errors_file: string;
  readonly heldout_excluded: number;
  readonly by_source: Record<string, number>;
  /** Rows by where their caption was first chosen, `<origin_source> round <origin_round>` (`round ?` where unknown; `tick <n>` for a tick's). */
  readonly by_origin: Record<string, number>;
  /**
   * Per file: `sha256` of its bytes (to verify a copy) and `content_sha256` of its rows and key-value
   * metadata (stable across exports: the Parquet writer orders key-value metadata at random).
   */
  readonly files: { name: string; rows: number; sha256: string; content_sha256: string }[];
  /** Per-round metrics of the job up to this round. */
  readonly rounds: RoundRecord[];
  /** The choice rule the rows were chosen by (a tick's: with its own title margin); absent in older exports. */
  readonly choice_rule?: ChoiceRule;
  /** For an export that joins others (a round's and its ticks'): those exports, in the order joined. */
  readonly parts?: readonly ExportPart[];
  readonly exported_at: string;
}

/** What an export is of, in words: `round 2`, `tick 3 (after round 2)`, or `round 2 and ticks 0–3` for a joined one. */
export function exportName(m: Pick<ExportMetadata, 'round' | 'tick' | 'parts'>): string {
  if (m.parts) {
    const rounds = m.parts.filter((p) => p.tick === null).map((p) => `round ${p.round}`);
    const ticks = m.parts.flatMap((p) => (p.tick === null ? [] : [p.tick]));
    const span = ticks.length === 1 ? `tick ${ticks[0]}` : ticks.length ? `ticks ${ticks[0]}–${ticks.at(-1)}` : '';
    return [...rounds, ...(span ? [span] : [])].join(' and ');
  }
  if (m.tick === undefined || m.tick === null) return `round ${m.round}`;
  return `tick ${m.tick} (${m.round >= 0 ? `after round ${m.round}` : 'before any round'})`;
}
