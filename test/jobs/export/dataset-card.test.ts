/**
 * The Hugging Face dataset card next to the Parquet export: its YAML front matter parses (with the
 * `yaml` package), names the split's data files, and its features match the Parquet schema as
 * DuckDB reads it; the prose summarises the round's trinity from the metrics record.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DataType, Field, Schema, Struct, Utf8 } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { datasetCard, hfDtype } from '../../../jobs/export/dataset-card.js';
import type { ExportMetadata } from '../../../jobs/export/export-metadata.js';
import { exportRound } from '../../../jobs/export/export-round.js';
import { REFINED_COLUMNS, refinedSchema } from '../../../schemas/refined.js';
import { tempDir } from '../../helpers/tmp.js';
import { duckRows } from '../import/duckdb.js';
import { writeRoundFixture } from './round-fixture.js';

/** DuckDB's column types → the Hugging Face dtypes they correspond to (written independently of the card code). */
const DUCK_TO_HF: Record<string, string> = {
  VARCHAR: 'string',
  DOUBLE: 'float64',
  FLOAT: 'float32',
  INTEGER: 'int32',
  BIGINT: 'int64',
  BOOLEAN: 'bool',
};

interface Card {
  configs: { config_name: string; data_files: { split: string; path: string }[] }[];
  dataset_info: { features: { name: string; dtype: string }[]; splits: { name: string; num_examples: number }[] };
}

function frontMatter(text: string): { yaml: string; body: string } {
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!m) throw new Error('no YAML front matter');
  return { yaml: m[1], body: m[2] };
}

describe('Hugging Face dataset card', () => {
  let dir: string;
  let metadata: ExportMetadata;
  let card: Card;
  let body: string;

  beforeAll(async () => {
    const root = await tempDir('flywheel-card-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    ({ dir, metadata } = await exportRound({ jobDir: job }));
    const fm = frontMatter(await readFile(join(dir, 'README.md'), 'utf8'));
    card = parse(fm.yaml) as Card;
    body = fm.body;
  });

  it('README.md sits next to the Parquet files and its data_files glob matches them', async () => {
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['README.md', 'dropped', 'errors', 'metadata.json', 'part-00000.parquet']);
    // a glob over the export's Parquet files reads the data alone
    const [all] = await duckRows(`select count(*) as n from read_parquet('${join(dir, '*.parquet')}')`);
    expect(all.n).toBe(BigInt(metadata.rows));
    expect(card.configs).toEqual([
      { config_name: 'default', data_files: [{ split: 'train', path: 'part-*.parquet' }] },
    ]);
    const [c] = await duckRows(
      `select count(*) as n from read_parquet('${join(dir, card.configs[0].data_files[0].path)}')`,
    );
    expect(c.n).toBe(BigInt(metadata.rows));
    expect(card.dataset_info.splits).toEqual([{ name: 'train', num_examples: metadata.rows }]);
  });

  it('the features are the Parquet schema as DuckDB reads it, in order', async () => {
    const cols = await duckRows(`describe select * from read_parquet('${join(dir, 'part-*.parquet')}')`);
    const fromDuck = cols.map((c) => ({ name: c.column_name, dtype: DUCK_TO_HF[c.column_type as string] }));
    expect(fromDuck.every((f) => f.dtype !== undefined)).toBe(true);
    expect(card.dataset_info.features).toEqual(fromDuck);
    expect(fromDuck.map((f) => f.name)).toContain('quality_weight');
  });

  it('the prose summarises the round: rows kept, diversity, and that quality was not measured without truth', () => {
    const r = metadata.rounds[0];
    expect(metadata.rows).toBe(5);
    expect(body).toContain(`${r.dataset.quantity.rows} rows kept (83.3 % of the round's train clips)`);
    expect(body).toContain(`vocabulary ${r.dataset.diversity.vocabulary} tokens`);
    expect(body).toContain(
      '1 row was dropped by AdaTaiLr (each with its reason in `dropped/clips.parquet`, beside the data files), 2 clips could not be processed (each error with its cause in `errors/clips.parquet`) and 1 held-out clip is not in this export',
    );
    expect(body).toContain('no truth was given');
    expect(body).toContain(metadata.dataset_id);
  });

  it('with truth measured, the prose states content accuracy beside raw', () => {
    const r = metadata.rounds[0];
    const quality = { contentAccuracy: 0.625, contentStrict: 0.5, ciderD: 1.2, bleu4: 0.3 };
    const text = datasetCard(
      {
        ...metadata,
        rounds: [
          {
            ...r,
            dataset: { ...r.dataset, quality },
            raw: { ...r.raw, quality: { ...quality, contentAccuracy: 0.25 } },
          },
        ],
      },
      refinedSchema,
    );
    expect(text).toContain('content accuracy 62.5 % (raw transcripts: 25.0 %)');
    expect(text).not.toContain('Narration kept');
  });

  it('without truth, the captioner scored against held-out human captions is stated as the model, not the rows', () => {
    const r = metadata.rounds[0];
    const q = (ciderD: number) => ({
      n: 40,
      ciderD,
      bleu4: 0.25,
      bleu: [0.6, 0.4, 0.3, 0.25],
      against: 'human' as const,
    });
    const text = datasetCard(
      { ...metadata, rounds: [{ ...r, modelQuality: q(1.234), rawAsrQuality: q(0.5) }] },
      refinedSchema,
    );
    expect(text).toContain(
      "**The round's captioner** (the model, not these rows): CIDEr-D 1.234, BLEU-4 0.250 against the human captions of 40 held-out clips, where their raw ASR text scores CIDEr-D 0.500.",
    );
    expect(text).toContain('no truth was given');
    expect(body).not.toContain("The round's captioner");
  });

  it("without truth, the round's choice for held-out clips is stated as the rows' estimate, beside their raw text", () => {
    const r = metadata.rounds[0];
    const q = (ciderD: number, bleu4: number) => ({
      n: 38,
      ciderD,
      bleu4,
      bleu: [0.6, 0.4, 0.3, bleu4],
      against: 'human' as const,
    });
    const heldoutRows = { clips: 40, kept: 39, chosen: q(1.5, 0.3), rawAsr: q(0.4, 0.1) };
    const text = datasetCard({ ...metadata, rounds: [{ ...r, heldoutRows }] }, refinedSchema);
    expect(text).toContain(
      '**Quality, estimated on held-out clips**: the round chose for 40 held-out clips (never exported, never trained on, their human captions never offered) as it chose for these rows. Against the human captions of 38 it kept, its captions score CIDEr-D 1.500, BLEU-4 0.300, where their raw ASR text scores CIDEr-D 0.400, BLEU-4 0.100.',
    );
    // with truth the rows themselves are measured: no estimate is stated
    const truthCheck = { ...heldoutRows, chosen: { ...q(1.5, 0.3), against: undefined } };
    expect(datasetCard({ ...metadata, rounds: [{ ...r, heldoutRows: truthCheck }] }, refinedSchema)).not.toContain(
      'estimated on held-out clips',
    );
  });

  it('with the clean clips recorded, the prose puts their captions beside their own transcripts', () => {
    const r = metadata.rounds[0];
    const d = (distinct2: number, vocabulary: number) => ({ ...r.dataset.diversity, distinct2, vocabulary });
    const keptClean = { rows: 4, verbatim: 3, diversity: d(0.5, 12), transcripts: d(0.4, 11) };
    const text = datasetCard({ ...metadata, rounds: [{ ...r, keptClean }] }, refinedSchema);
    expect(text).toContain(
      "on the 4 kept clips whose transcript the truth says is clean, distinct-2 0.500 against their own transcripts' 0.400, vocabulary 12 against 11; 3 kept their transcript word for word",
    );
  });

  it("lists every column with its type and what it means, in the schema's order", () => {
    const section = body.slice(body.indexOf('## Columns'), body.indexOf('## Lineage'));
    const listed = [...section.matchAll(/^- `(\w+)` \(([^)]+)\): (.+)$/gm)].map((m) => [m[1], m[2], m[3]]);
    expect(listed.map(([name]) => name)).toEqual(refinedSchema.fields.map((f) => f.name));
    for (const [name, type, meaning] of listed) {
      expect(meaning).toBe(REFINED_COLUMNS[name as keyof typeof REFINED_COLUMNS]);
      expect(type).toBe(card.dataset_info.features.find((f) => f.name === name)?.dtype);
    }
    // a card given no meanings still lists the columns with their types
    expect(datasetCard(metadata, refinedSchema)).toContain('- `origin_round` (int32)\n');
  });

  it('a column type the Hub has no dtype for is refused, naming it', () => {
    const s = new Schema([new Field('x', new Struct([new Field('y', new Utf8())]))]);
    expect(() => hfDtype((s.fields as Field<DataType>[])[0].type)).toThrow(
      /no Hugging Face dtype for Arrow type Struct/,
    );
  });
});
