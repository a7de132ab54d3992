/**
 * The comparison as Markdown tables: retrieval (text→video, video→text R@1/5/10 and MdR) and QA
 * accuracy, mean ± sd over seeds, with chance on top and the share of the baseline → upper-bound
 * gap each dataset closes; then QA accuracy per question kind, and the scores in each query wording
 * when both were scored.
 */
import { QA_KINDS } from './qa.js';
import type { QueryWording, ScoredWording } from './wordings.js';
import { type DatasetSummary, type DownstreamResult, type MetricName, qaMetric } from './types.js';

const RETRIEVAL: readonly [MetricName, string][] = [
  ['t2v_r1', 'T→V R@1'],
  ['t2v_r5', 'R@5'],
  ['t2v_r10', 'R@10'],
  ['t2v_mdr', 'MdR'],
  ['v2t_r1', 'V→T R@1'],
  ['v2t_r5', 'R@5'],
  ['v2t_r10', 'R@10'],
  ['v2t_mdr', 'MdR'],
  ['mean_r', 'mean R'],
  ['qa_all', 'QA acc'],
];

const QUERIES_TEXT: Readonly<Record<QueryWording, string>> = {
  canonical: 'truth captions',
  narrated: "the truth in the people's words",
  both: "truth captions and the truth in the people's words, averaged",
};

const WORDING_COLUMNS: readonly [ScoredWording, MetricName, string][] = [
  ['canonical', 't2v_r1', 'T→V R@1'],
  ['canonical', 'mean_r', 'mean R'],
  ['canonical', 'qa_all', 'QA'],
  ['narrated', 't2v_r1', 'T→V R@1'],
  ['narrated', 'mean_r', 'mean R'],
  ['narrated', 'qa_all', 'QA'],
];

const cell = (d: DatasetSummary, m: MetricName, seeds: number): string =>
  seeds > 1 ? `${d.mean[m].toFixed(1)} ± ${d.sd[m].toFixed(1)}` : d.mean[m].toFixed(1);
const pct = (x: number | null): string => (x === null ? '–' : `${Math.round(100 * x)} %`);

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The result's tables and a header line with the settings, as Markdown. */
export function formatDownstream(r: DownstreamResult): string {
  const s = r.settings;
  const n = s.seeds.length;
  const gapHead =
    r.baseline && r.upperBound ? [`gap closed, mean R (${r.baseline} → ${r.upperBound})`, 'gap closed, QA'] : [];
  const head = ['dataset', 'rows', ...RETRIEVAL.map(([, h]) => h), ...gapHead];
  const chance = ['chance', '', ...RETRIEVAL.map(([m]) => r.chance[m].toFixed(1)), ...gapHead.map(() => '')];
  const rows = r.datasets.map((d) => [
    d.name,
    String(d.rows),
    ...RETRIEVAL.map(([m]) => cell(d, m, n)),
    ...(gapHead.length ? [pct(d.gapClosed.mean_r), pct(d.gapClosed.qa_all)] : []),
  ]);
  const qaHead = ['dataset', ...QA_KINDS, 'all'];
  const qaRows = [
    ['chance', ...QA_KINDS.map((k) => r.chance[qaMetric(k)].toFixed(1)), r.chance.qa_all.toFixed(1)],
    ...r.datasets.map((d) => [d.name, ...QA_KINDS.map((k) => cell(d, qaMetric(k), n)), cell(d, 'qa_all', n)]),
  ];
  const queries = s.queries ?? 'canonical';
  const header =
    `held-out: ${r.heldout.clips} clips (queries: ${QUERIES_TEXT[queries]}), ${r.heldout.questions} QA questions · ` +
    `probe d=${s.probe.dModel}, ${s.probe.textLayers} text layer(s) of ${s.probe.maxTextLen} tokens, ${s.probe.frames}×${s.probe.frameSize}² frames · ` +
    `${s.steps} steps × batch ${s.batch}, lr ${s.lr}, ${n} seed${n > 1 ? 's' : ''} (${s.seeds.join(', ')}), ${s.weighted ? 'row weights honoured' : 'unweighted'}, ` +
    `vocab ${s.vocabSize}, ${s.threads} thread(s)${n > 1 ? ' · mean ± sd over seeds' : ''}`;
  const byWording = r.datasets.some((d) => d.byWording)
    ? `\nBy query wording (means over seeds):\n\n${table(
        ['dataset', ...WORDING_COLUMNS.map(([w, , h]) => `${w}: ${h}`)],
        r.datasets.map((d) => [
          d.name,
          ...WORDING_COLUMNS.map(([w, m]) => (d.byWording ? d.byWording[w][m].toFixed(1) : '–')),
        ]),
      )}\n`
    : '';
  return `${header}\n\n${table(head, [chance, ...rows])}\n\nQA accuracy (%) by question:\n\n${table(qaHead, qaRows)}\n${byWording}`;
}
