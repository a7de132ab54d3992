/** What an export's `metadata.json` holds: read by the dataset card, the WebDataset writer and `inspect`. */
import type { RoundRecord } from '../refine/round-metrics.js';

/** Contents of an export's `metadata.json`. */
export interface ExportMetadata {
  readonly schema_version: string;
  readonly dataset_id: string;
  readonly round: number;
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
  /** Rows by where their caption was first chosen, `<origin_source> round <origin_round>` (`round ?` where unknown). */
  readonly by_origin: Record<string, number>;
  /**
   * Per file: `sha256` of its bytes (to verify a copy) and `content_sha256` of its rows and key-value
   * metadata (stable across exports: the Parquet writer orders key-value metadata at random).
   */
  readonly files: { name: string; rows: number; sha256: string; content_sha256: string }[];
  /** Per-round metrics of the job up to this round. */
  readonly rounds: RoundRecord[];
  readonly exported_at: string;
}
