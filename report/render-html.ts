/**
 * Renders one self-contained HTML report page: Chart.js is inlined so the page opens offline,
 * data travels as embedded JSON, and thumbnails as PNG data URLs. Every value from the data goes
 * through the `html` tag, which escapes it; the only unescaped parts are the page's own markup.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join as joinPath } from 'node:path';
import { chartScript } from './chart-script.js';
import { type Html, html, type HtmlValue, inlineScript, join, raw, scriptData } from './html.js';
import type { ReportData, RoundMetrics, SampleClip, TickSummary, TrinityPoint } from './report-data.js';
import { thumbnailDataUrl } from './thumbnail-png.js';

const require = createRequire(import.meta.url);

function chartJsSource(): string {
  return readFileSync(joinPath(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

const fmt = (x: number | undefined, digits = 3): string =>
  x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits);

const STYLE = raw(`
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
td:nth-child(2), td:last-child { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
.charts figure { margin: 0; width: 460px; }
.charts figcaption { font-weight: 600; margin-bottom: .3em; min-height: 2.6em; }
.no-data { color: #777; font-style: italic; }
.sample { border-top: 1px solid #ddd; padding: .5em 0; }
.thumb { image-rendering: pixelated; margin-right: 4px; border: 1px solid #999; }
.drop { color: #b00; } .w { color: #555; }
`);

/** The trinity's column headings, in {@link trinityCells} order. */
const TRINITY_HEAD = ['rows', 'tokens', 'content acc.', 'CIDEr-D', 'vocab', 'distinct-2'] as const;

/** A table with one heading row (`head`, escaped like any value) and the given body rows. */
function table(head: readonly string[], rows: readonly HtmlValue[]): Html {
  return html`<table>
    <thead>
      <tr>
        ${head.map((h) => html`<th>${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

function trinityCells(t: TrinityPoint | undefined): Html {
  if (!t) return html`<td colspan="6">–</td>`;
  return html`<td>${t.rows}</td>
    <td>${t.tokens}</td>
    <td>${fmt(t.contentAccuracy)}</td>
    <td>${fmt(t.ciderD)}</td>
    <td>${t.vocabulary}</td>
    <td>${fmt(t.distinct2)}</td>`;
}

function baselineRow(label: string, what: string, t: TrinityPoint | undefined): Html | undefined {
  return (
    t &&
    html`<tr>
      <td>${label}</td>
      <td>${what}</td>
      ${trinityCells(t)}
      <td colspan="4"></td>
    </tr>`
  );
}

function roundRow(r: RoundMetrics): Html {
  const a = r.adatailr;
  return html`<tr>
    <td>${r.round}</td>
    <td><code>${r.modelVersion}</code></td>
    ${trinityCells(r.dataset)}
    <td>${a.dropped}</td>
    <td>${a.reweighted}</td>
    <td>${fmt(a.gamma)}</td>
    <td>${fmt(a.rho)}</td>
  </tr>`;
}

function roundsTable(data: ReportData): Html {
  const rows = [
    baselineRow('raw', 'input', data.raw),
    baselineRow('raw, clean rows', 'truth: clean', data.rawClean),
    ...data.rounds.map(roundRow),
  ].filter((r) => r !== undefined);
  return table(['round', 'model', ...TRINITY_HEAD, 'dropped', 're-weighted', 'γ', 'ρ̂'], rows);
}

function sourcesTable(data: ReportData): Html {
  const rows = data.rounds.flatMap((r) =>
    Object.entries(r.bySource).map(
      ([src, t]) =>
        html`<tr>
          <td>${r.round}</td>
          <td>${src}</td>
          ${trinityCells(t)}
        </tr>`,
    ),
  );
  return table(['round', 'source', ...TRINITY_HEAD], rows);
}

function ticksSection(ticks: readonly TickSummary[]): Html {
  const cell = (x: number | null): string => (x === null ? '–' : String(x));
  const rows = ticks.map(
    (t) =>
      html`<tr>
        <td>${t.tick}</td>
        <td>${t.round === null ? '–' : t.round < 0 ? 'none' : t.round}</td>
        <td>${cell(t.clips)}</td>
        <td>${cell(t.rows)}</td>
        <td>${cell(t.dropped)}</td>
        <td>${cell(t.errors)}</td>
        <td>
          ${Object.entries(t.bySource)
            .sort(([, a], [, b]) => b - a)
            .map(([s, n]) => `${s} ${n}`)
            .join(', ')}
        </td>
        <td>${t.retrained ? 'yes' : 'no'}</td>
        <td>${t.seconds === null ? '–' : t.seconds.toFixed(1)}</td>
      </tr>`,
  );
  return html`<h2>The nights after: schedule ticks</h2>
    <p>
      Clips that arrived after the rounds, each taken once by a tick (its export: <code>exports/tick-&lt;n&gt;</code>;
      the whole dataset: <code>flywheel export &lt;job&gt; --with-ticks</code>).
    </p>
    ${table(['tick', 'after round', 'clips', 'rows', 'dropped', 'errors', 'chosen', 'retrained', 'seconds'], rows)}`;
}

function sample(s: SampleClip): Html {
  const thumbs = s.thumbnails.map(
    (t) =>
      html`<img
        class="thumb"
        alt="frame of ${s.clipId}"
        src="${thumbnailDataUrl(t)}"
        width="${t.width * 2}"
        height="${t.height * 2}"
      />`,
  );
  const caps = s.captions.map(
    (c) =>
      html`<li>
        <b>round ${c.round}</b>
        ${c.keep === false && html`<span class="drop">dropped</span>`}
        ${c.weight !== undefined && html`<span class="w">w=${c.weight.toFixed(2)}</span>`}:
        <span class="caption">${c.caption}</span>
      </li>`,
  );
  return html`<div class="sample">
    <h3><code>${s.clipId}</code></h3>
    <div>${thumbs}</div>
    <p><b>ASR:</b> ${s.asrText || '(empty)'}</p>
    ${s.groundTruth !== undefined && html`<p><b>ground truth:</b> ${s.groundTruth}</p>`}
    <ul>
      ${caps}
    </ul>
  </div>`;
}

function errorsSection(data: ReportData): Html {
  if (data.errors.length === 0) return html`<p>No errors.</p>`;
  const rows = data.errors.map(
    (e) =>
      html`<tr>
        <td>${e.stage}</td>
        <td>${e.kind}</td>
        <td>${e.count}</td>
        <td>
          ${join(
            e.examples.map((x) => html`<code>${x.clipId}</code>: ${x.message}`),
            raw('<br>'),
          )}
        </td>
      </tr>`,
  );
  return table(['stage', 'kind', 'count', 'examples'], rows);
}

/** Every chart the client script draws (canvas id, caption); the downstream one only when a round has it. */
const CHARTS = [
  ['chart-quality', 'Quality (dataset)'],
  ['chart-diversity', 'Diversity (dataset)'],
  ['chart-distinct', 'Wording (dataset): distinct-2'],
  ['chart-quantity', 'Quantity (dataset)'],
  [
    'chart-adatailr',
    'What AdaTaiLr changed (ρ̂: the share of chosen captions with a token the scorer finds implausible, p < 10/|V|; wording the scorer has not seen counts too, so it is not an error rate)',
  ],
  ['chart-model', "The model's own held-out score (not the dataset's)"],
  [
    'chart-downstream',
    "Downstream: a retrieval probe trained on each dataset, held-out text→video R@1 (asked by default in the truth's words and the people's, averaged)",
  ],
] as const;

function chart(id: string, caption: string): Html {
  return html`<figure>
    <figcaption>${caption}</figcaption>
    <canvas id="${id}" width="460" height="280"></canvas>
  </figure>`;
}

/** Builds the whole report page as one HTML string. */
export function renderReportHtml(data: ReportData): string {
  const chartData = {
    rounds: data.rounds,
    raw: data.raw,
    rawClean: data.rawClean,
    rawAsrCiderD: data.rawAsrCiderD,
    modelAgainst: data.modelAgainst,
    downstreamRaw: data.downstreamRaw,
    downstreamUpper: data.downstreamUpper,
  };
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${data.title}</title>
        <style>
          ${STYLE}
        </style>
        <script>
          ${inlineScript(chartJsSource())};
        </script>
      </head>
      <body>
        <h1>${data.title}</h1>
        <p>run <code>${data.runId}</code> · config <code>${data.configHash}</code> · ${data.createdAt}</p>
        <h2>The dataset's trinity, round by round</h2>
        <p>The rows each round exports (train split), measured as data against the raw input (dashed).</p>
        <div class="charts">
          ${CHARTS.filter(([id]) => id !== 'chart-downstream' || data.rounds.some((r) => r.downstream)).map(
            ([id, caption]) =>
              chart(
                id,
                id === 'chart-distinct' && data.rounds.some((r) => r.keptClean)
                  ? `${caption}, and on the clean clips beside their own transcripts`
                  : caption,
              ),
          )}
        </div>
        <h3>Per round, beside the raw input</h3>
        ${roundsTable(data)}
        <h3>By caption source</h3>
        ${sourcesTable(data)}
        <h2>Sample clips and their captions across rounds</h2>
        ${data.samples.map(sample)} ${data.ticks?.length ? ticksSection(data.ticks) : ''}
        <h2>Errors</h2>
        ${errorsSection(data)}
        <script type="application/json" id="report-data">
          ${scriptData(chartData)}
        </script>
        <script>
          ${inlineScript(chartScript)};
        </script>
      </body>
    </html> `.toString();
}
