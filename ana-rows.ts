import { DuckDBInstance } from '@duckdb/node-api';
const [exp, data, nArg] = process.argv.slice(2);
const n = Number(nArg ?? 10);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const r = await c.runAndReadAll(`
  with e as (select clip_id, caption, caption_source, quality_weight, choice_margin, asr_text,
                    row_number() over (order by clip_id) as i, count(*) over () as n
             from read_parquet('${exp}/*.parquet'))
  select e.clip_id, e.caption_source, round(e.quality_weight,3) w, round(e.choice_margin,2) m, e.caption, t.gt_caption, e.asr_text
  from e join read_parquet('${data}/truth.parquet') t using (clip_id)
  where (e.i - 1) % (e.n // ${n}) = 0 order by e.i limit ${n}`);
for (const row of r.getRowObjects()) console.log(JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)), '\n');
