/** Reading a finished adatailr output back: the caption chosen for each kept clip (next round's `previous` candidates). */
import { layout } from '../../pipeline/layout.js';
import { readRunMeta } from '../../pipeline/ledger.js';
import { readStoredRows } from '../../pipeline/parquet.js';
import type { Storage } from '../../pipeline/storage.js';
import type { ScoreRow } from '../../schemas/scores.js';

/** Each clip's chosen caption in a finished round run (kept rows with a non-empty caption only). */
export async function chosenCaptions(run: Storage): Promise<Map<string, string>> {
  const meta = await readRunMeta(run);
  const out = new Map<string, string>();
  for (const shard of meta?.shards ?? []) {
    for (const s of await readStoredRows<ScoreRow>(run, layout.output('adatailr', shard)))
      if (s.keep && s.caption.trim() !== '') out.set(s.clip_id, s.caption);
  }
  return out;
}
