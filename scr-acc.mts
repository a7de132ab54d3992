import { DuckDBInstance } from '@duckdb/node-api';
import { contentCorrect } from './research/benchmark/content.js';
import { truthAttrs, readTruth } from './research/benchmark/index.js';
const [dir, seed, round] = process.argv.slice(2);
const base = `${dir}/runs/refine-exp`;
const truth = await readTruth(`${base}/data-n40-s${seed}`);
const attrs = new Map(truth.map((t) => [t.clip_id, truthAttrs(t)]));
const i = await DuckDBInstance.create(':memory:'); const c = await i.connect();
const r = await c.runAndReadAll(`select a.clip_id, a.caption_source src, a.caption from read_parquet('${base}/job-n40-s${seed}-adatailr/round-${round}/adatailr/*.parquet') a join read_parquet('${base}/data-n40-s${seed}/clips.parquet') c using (clip_id) where a.keep and c.split='train'`);
const rows = r.getRowObjectsJson() as { clip_id: string; src: string; caption: string }[];
const by: Record<string, [number, number]> = {};
let right = 0;
for (const x of rows) { const ok = contentCorrect(x.caption, attrs.get(x.clip_id)!); const b = (by[x.src] ??= [0, 0]); b[0]++; if (ok) { b[1]++; right++; } }
console.log(dir, seed, round, rows.length, (right / rows.length).toFixed(3), JSON.stringify(by));
