import { DuckDBInstance } from '@duckdb/node-api';
import { contentCorrect } from './research/benchmark/content.js';
import { truthAttrs, readTruth } from './research/benchmark/index.js';
const [a, b, seed, round, show] = process.argv.slice(2);
const truth = await readTruth(`${a}/runs/refine-exp/data-n40-s${seed}`);
const attrs = new Map(truth.map((t) => [t.clip_id, truthAttrs(t)]));
const gt = new Map(truth.map((t) => [t.clip_id, t.gt_caption]));
const i = await DuckDBInstance.create(':memory:'); const c = await i.connect();
const q = (d: string) => `select a.clip_id, a.caption_source src, a.caption from read_parquet('${d}/runs/refine-exp/job-n40-s${seed}-adatailr/round-${round}/adatailr/*.parquet') a join read_parquet('${d}/runs/refine-exp/data-n40-s${seed}/clips.parquet') c using (clip_id) where a.keep and c.split='train'`;
const load = async (d: string) => new Map(((await c.runAndReadAll(q(d))).getRowObjectsJson() as any[]).map((x) => [x.clip_id, x]));
const A = await load(a), B = await load(b);
const trans: Record<string, number> = {};
const ex: string[] = [];
for (const [id, x] of A) { const y = B.get(id); if (!y) continue; const ra = contentCorrect(x.caption, attrs.get(id)!), rb = contentCorrect(y.caption, attrs.get(id)!); if (ra === rb) continue; const k = `${ra ? 'R' : 'W'}→${rb ? 'R' : 'W'} ${x.src}→${y.src}`; trans[k] = (trans[k] ?? 0) + 1; if (show) ex.push(`${k}\n   old: ${x.caption}\n   new: ${y.caption}\n   gt:  ${gt.get(id)}`); }
console.log(Object.entries(trans).sort((p, q) => q[1] - p[1]));
if (show) console.log(ex.slice(0, Number(show)).join('\n'));
