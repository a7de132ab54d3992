/**
 * The Hugging Face dataset card (`README.md`) written next to an export's Parquet files: YAML
 * front matter the Hub reads (configs with their data files per split, and `dataset_info` with the
 * features and split sizes, derived from the Arrow schema the files were written with) and a plain
 * summary of the round's trinity — quantity, diversity and, where the truth was measured, quality.
 */
import { type DataType, type Field, Float, Int, List, type Schema, Type } from 'apache-arrow';
import { stringify } from 'yaml';
import { type ExportMetadata, exportName } from './export-metadata.js';

/** One feature in a card's `dataset_info.features`: a scalar dtype, or a list of one. */
export type HfFeature = { name: string; dtype: string } | { name: string; sequence: string };

/** The Hugging Face `Value` dtype of an Arrow scalar type (the names `datasets` uses). */
export function hfDtype(type: DataType): string {
  if (type instanceof Int) return `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}`;
  if (type instanceof Float) return ['float16', 'float32', 'float64'][type.precision];
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    case Type.Bool:
      return 'bool';
    case Type.Binary:
    case Type.LargeBinary:
      return 'binary';
    default:
      throw new Error(`dataset card: no Hugging Face dtype for Arrow type ${Type[type.typeId]}`);
  }
}

/** The card features of a schema, in column order (lists become `sequence`). */
export function hfFeatures(schema: Schema): HfFeature[] {
  return (schema.fields as Field<DataType>[]).map((f) =>
    f.type instanceof List
      ? { name: f.name, sequence: hfDtype((f.type as List<DataType>).valueType) }
      : { name: f.name, dtype: hfDtype(f.type) },
  );
}

/** What the card needs to know about an export (a subset of its `metadata.json`). */
export type CardInput = Pick<
  ExportMetadata,
  | 'dataset_id'
  | 'round'
  | 'tick'
  | 'run_id'
  | 'config_hash'
  | 'rows'
  | 'dropped'
  | 'dropped_file'
  | 'errors'
  | 'errors_file'
  | 'heldout_excluded'
  | 'by_source'
  | 'by_origin'
  | 'rounds'
  | 'parts'
> & { readonly files: readonly { readonly name: string; readonly rows: number }[] };

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const counted = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** Plain sentences about a joined export: what it is made of, and how many rows, drops and errors. */
function partsSummary(card: CardInput, parts: NonNullable<CardInput['parts']>): string[] {
  return [
    `- **Made of** ${parts.length} exports of one job: ${parts.map((p) => `\`${p.export}\` (${p.rows} rows)`).join(', ')}. Each clip is one row, from the latest of them that has it as a row: a clip that one export could not process and a later one could is a row here, not an error.`,
    `- **Quantity**: ${counted(card.rows, 'row', 'rows')}; ${counted(card.dropped, 'clip was', 'clips were')} dropped (each with its reason in \`${card.dropped_file}\`), ${counted(card.errors, 'clip', 'clips')} could not be processed (each error with its cause in \`${card.errors_file}\`) and ${counted(card.heldout_excluded, 'held-out clip is', 'held-out clips are')} not in this export.`,
    "- **Quality and diversity**: each part's own export (its `README.md` and `metadata.json`) has its round's or tick's numbers.",
  ];
}

/** Plain sentences about the round's trinity, from its metrics record. */
function trinitySummary(card: CardInput): string[] {
  if (card.parts) return partsSummary(card, card.parts);
  const r = card.tick === undefined || card.tick === null ? card.rounds.find((x) => x.round === card.round) : undefined;
  if (!r) return [`No metrics record for ${exportName(card)} was found; the trinity is not summarised.`];
  const d = r.dataset;
  const lines = [
    `- **Quantity**: ${counted(d.quantity.rows, 'row', 'rows')} kept (${pct(r.keptShare)} of the round's train clips), ${d.quantity.tokens} caption tokens; ${counted(card.dropped, 'row was', 'rows were')} dropped by AdaTaiLr (each with its reason in \`${card.dropped_file}\`, beside the data files), ${counted(card.errors, 'clip', 'clips')} could not be processed (each error with its cause in \`${card.errors_file}\`) and ${counted(card.heldout_excluded, 'held-out clip is', 'held-out clips are')} not in this export.`,
    `- **Diversity**: vocabulary ${d.diversity.vocabulary} tokens, distinct-2 ${d.diversity.distinct2.toFixed(3)}, unigram entropy ${d.diversity.entropy.toFixed(2)} bits (raw transcripts: vocabulary ${r.raw.diversity.vocabulary}, distinct-2 ${r.raw.diversity.distinct2.toFixed(3)}).`,
  ];
  const kc = r.keptClean;
  if (kc && kc.rows > 0)
    lines.push(
      `- **Narration kept**: on the ${kc.rows} kept clips whose transcript the truth says is clean, distinct-2 ${kc.diversity.distinct2.toFixed(3)} against their own transcripts' ${kc.transcripts.distinct2.toFixed(3)}, vocabulary ${kc.diversity.vocabulary} against ${kc.transcripts.vocabulary}; ${kc.verbatim} kept their transcript word for word.`,
    );
  lines.push(
    d.quality
      ? `- **Quality** (measured against the benchmark's truth, which nothing that chose or trained saw): ${contentPart(d.quality.contentAccuracy, r.raw.quality?.contentAccuracy)}CIDEr-D ${d.quality.ciderD.toFixed(3)}, BLEU-4 ${d.quality.bleu4.toFixed(3)}.`
      : '- **Quality**: no truth was given for these clips, so content accuracy was not measured.',
  );
  const held = r.heldoutRows;
  if (held?.chosen?.against === 'human' && held.rawAsr)
    lines.push(
      `- **Quality, estimated on held-out clips**: the round chose for ${counted(held.clips, 'held-out clip', 'held-out clips')} (never exported, never trained on, their human captions never offered) as it chose for these rows. Against the human captions of ${held.chosen.n} it kept, its captions score CIDEr-D ${held.chosen.ciderD.toFixed(3)}, BLEU-4 ${held.chosen.bleu4.toFixed(3)}, where their raw ASR text scores CIDEr-D ${held.rawAsr.ciderD.toFixed(3)}, BLEU-4 ${held.rawAsr.bleu4.toFixed(3)}.`,
    );
  const [model, asr] = [r.modelQuality, r.rawAsrQuality];
  if (model?.against === 'human' && asr)
    lines.push(
      `- **The round's captioner** (the model, not these rows): CIDEr-D ${model.ciderD.toFixed(3)}, BLEU-4 ${model.bleu4.toFixed(3)} against the human captions of ${model.n} held-out clips, where their raw ASR text scores CIDEr-D ${asr.ciderD.toFixed(3)}.`,
    );
  return lines;
}

/** The card's column list: each schema column with its type and, where `columns` has one, its meaning. */
function columnList(schema: Schema, columns: Readonly<Record<string, string>>): string[] {
  return hfFeatures(schema).map((f) => {
    const type = 'dtype' in f ? f.dtype : `list of ${f.sequence}`;
    const meaning = columns[f.name];
    return `- \`${f.name}\` (${type})${meaning ? `: ${meaning}` : ''}`;
  });
}

/** The card's text: YAML front matter, the summary, the columns (with `columns`' meanings) and the lineage. */
export function datasetCard(card: CardInput, schema: Schema, columns: Readonly<Record<string, string>> = {}): string {
  const front = {
    pretty_name: `flywheel refined captions, ${exportName(card)}`,
    tags: ['video', 'video-text', 'captions', 'flywheel'],
    configs: [{ config_name: 'default', data_files: [{ split: 'train', path: 'part-*.parquet' }] }],
    dataset_info: {
      config_name: 'default',
      features: hfFeatures(schema),
      splits: [{ name: 'train', num_examples: card.rows }],
    },
  };
  const sources = Object.entries(card.by_source)
    .sort()
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  return [
    '---',
    stringify(front).trimEnd(),
    '---',
    '',
    `# flywheel refined captions, ${exportName(card)}`,
    '',
    `Video clips (a time range of a video, \`video_uri\` + \`start_s\`/\`end_s\`) with the caption the Video DataFlywheel round chose for each, its source (${sources || 'none'}), the AdaTaiLr row weight \`quality_weight\` for trainers, and lineage (\`run_id\`, \`config_hash\`, \`model_version\`, \`origin_source\`, \`origin_round\`, \`tick\`). One split, \`train\`: the kept rows of the ${card.parts ? 'exports it joins' : card.tick === undefined || card.tick === null ? 'round' : 'tick'}; held-out clips are excluded.`,
    '',
    card.parts ? '## The dataset in numbers' : '## The round in numbers',
    '',
    ...trinitySummary(card),
    `- **Who wrote the captions**, by where each was first chosen: ${originSummary(card.by_origin)}.`,
    '',
    '## Columns',
    '',
    ...columnList(schema, columns),
    '',
    '## Lineage',
    '',
    `- dataset id (sha256 of the file hashes): \`${card.dataset_id}\``,
    ...(card.parts
      ? card.parts.map(
          (p) =>
            `- \`${p.export}\`: dataset \`${p.dataset_id}\`, run \`${p.run_id}\`, config hash \`${p.config_hash}\``,
        )
      : [`- run \`${card.run_id}\`, config hash \`${card.config_hash}\``]),
    `- files: ${card.files.map((f) => `\`${f.name}\` (${f.rows} rows)`).join(', ')}; their sha256 are in \`metadata.json\`.`,
    '',
  ].join('\n');
}

/** The content-accuracy clause, present only when a content measure scored the rows. */
function contentPart(refined: number | undefined, raw: number | undefined): string {
  if (refined === undefined) return '';
  return `content accuracy ${pct(refined)}${raw !== undefined ? ` (raw transcripts: ${pct(raw)})` : ''}, `;
}

/** `by_origin` in the card: most rows first, ties by name. */
function originSummary(byOrigin: Readonly<Record<string, number>>): string {
  const parts = Object.entries(byOrigin)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([origin, n]) => `${origin} ${n}`);
  return parts.length ? parts.join(', ') : 'no rows';
}
