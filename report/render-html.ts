/**
 * Renders one self-contained HTML report page: Chart.js is inlined so the page opens offline,
 * data travels as embedded JSON, and thumbnails as PNG data URLs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ReportData, TrinityPoint } from './report-data.js';
import { thumbnailDataUrl } from './thumbnail-png.js';

const require = createRequire(import.meta.url);

function chartJsSource(): string {
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** JSON safe to place inside a <script> element (no `</script>` or `<!--` can appear). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const fmt = (x: number | undefined, digits = 3): string =>
  x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits);

function trinityCells(t: TrinityPoint | undefined): string {
  if (!t) return '<td colspan="6">–</td>';
  return `<td>${t.rows}</td><td>${t.tokens}</td><td>${fmt(t.contentAccuracy)}</td><td>${fmt(t.ciderD)}</td><td>${t.vocabulary}</td><td>${fmt(t.distinct2)}</td>`;
}

function roundsTable(data: ReportData): string {
  const head = '<th>rows</th><th>tokens</th><th>content acc.</th><th>CIDEr-D</th><th>vocab</th><th>distinct-2</th>';
  const base = [
    ...(data.raw ? [`<tr><td>raw</td><td>input</td>${trinityCells(data.raw)}<td colspan="4"></td></tr>`] : []),
    ...(data.rawClean
      ? [`<tr><td>raw, clean rows</td><td>truth: clean</td>${trinityCells(data.rawClean)}<td colspan="4"></td></tr>`]
      : []),
  ];
  const rows = data.rounds.map(
    (r) =>
      `<tr><td>${r.round}</td><td><code>${escapeHtml(r.modelVersion)}</code></td>${trinityCells(r.dataset)}` +
      `<td>${r.adatailr.dropped}</td><td>${r.adatailr.reweighted}</td><td>${fmt(r.adatailr.gamma)}</td><td>${fmt(r.adatailr.rho)}</td></tr>`,
  );
  return (
    `<table><thead><tr><th>round</th><th>model</th>${head}<th>dropped</th><th>re-weighted</th><th>γ</th><th>ρ̂</th></tr></thead>` +
    `<tbody>${[...base, ...rows].join('\n')}</tbody></table>`
  );
}

function sourcesTable(data: ReportData): string {
  const rows = data.rounds.flatMap((r) =>
    Object.entries(r.bySource).map(
      ([src, t]) => `<tr><td>${r.round}</td><td>${escapeHtml(src)}</td>${trinityCells(t)}</tr>`,
    ),
  );
  return (
    `<table><thead><tr><th>round</th><th>source</th><th>rows</th><th>tokens</th><th>content acc.</th><th>CIDEr-D</th><th>vocab</th><th>distinct-2</th></tr></thead>` +
    `<tbody>${rows.join('\n')}</tbody></table>`
  );
}

function samplesSection(data: ReportData): string {
  return data.samples
    .map((s) => {
      const thumbs = s.thumbnails
        .map(
          (t) =>
            `<img class="thumb" alt="frame of ${escapeHtml(s.clipId)}" src="${thumbnailDataUrl(t)}" width="${t.width * 2}" height="${t.height * 2}">`,
        )
        .join('');
      const caps = s.captions
        .map(
          (c) =>
            `<li><b>round ${c.round}</b>${c.keep === false ? ' <span class="drop">dropped</span>' : ''}` +
            `${c.weight !== undefined ? ` <span class="w">w=${c.weight.toFixed(2)}</span>` : ''}: ${escapeHtml(c.caption)}</li>`,
        )
        .join('');
      return (
        `<div class="sample"><h3><code>${escapeHtml(s.clipId)}</code></h3><div>${thumbs}</div>` +
        `<p><b>ASR:</b> ${escapeHtml(s.asrText || '(empty)')}</p>` +
        (s.groundTruth !== undefined ? `<p><b>ground truth:</b> ${escapeHtml(s.groundTruth)}</p>` : '') +
        `<ul>${caps}</ul></div>`
      );
    })
    .join('\n');
}

function errorsSection(data: ReportData): string {
  if (data.errors.length === 0) return '<p>No errors.</p>';
  const rows = data.errors
    .map(
      (e) =>
        `<tr><td>${escapeHtml(e.stage)}</td><td>${escapeHtml(e.kind)}</td><td>${e.count}</td><td>${e.examples
          .map((x) => `<code>${escapeHtml(x.clipId)}</code>: ${escapeHtml(x.message)}`)
          .join('<br>')}</td></tr>`,
    )
    .join('\n');
  return `<table><thead><tr><th>stage</th><th>kind</th><th>count</th><th>examples</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const chartScript = `
(function () {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const rounds = data.rounds.map(r => 'round ' + r.round);
  const charts = [];
  function line(id, datasets, yTitle) {
    const el = document.getElementById(id);
    charts.push(new Chart(el, {
      type: 'line',
      data: { labels: rounds, datasets },
      options: { animation: false, responsive: false, plugins: { legend: { position: 'bottom' } },
                 scales: { y: { title: { display: true, text: yTitle } } } },
    }));
  }
  const flat = v => rounds.map(() => (v === undefined ? null : v));
  const raw = data.raw || {};
  const clean = data.rawClean || {};
  const dashed = { borderDash: [6, 4] };
  line('chart-quality', [
    { label: 'content accuracy (dataset)', data: data.rounds.map(r => r.dataset.contentAccuracy ?? null), borderColor: '#1f77b4' },
    { label: 'raw input', data: flat(raw.contentAccuracy), borderColor: '#1f77b4', ...dashed },
    { label: 'CIDEr-D / 10 (dataset)', data: data.rounds.map(r => r.dataset.ciderD === undefined ? null : r.dataset.ciderD / 10), borderColor: '#ff7f0e' },
    { label: 'raw CIDEr-D / 10', data: flat(raw.ciderD === undefined ? undefined : raw.ciderD / 10), borderColor: '#ff7f0e', ...dashed },
  ], 'share of rows / score');
  line('chart-diversity', [
    { label: 'vocabulary (dataset)', data: data.rounds.map(r => r.dataset.vocabulary), borderColor: '#2ca02c' },
    { label: 'raw vocabulary', data: flat(raw.vocabulary), borderColor: '#2ca02c', ...dashed },
    { label: 'raw clean-rows vocabulary', data: flat(clean.vocabulary), borderColor: '#98df8a', ...dashed },
  ], 'distinct words');
  line('chart-quantity', [
    { label: 'rows exported', data: data.rounds.map(r => r.dataset.rows), borderColor: '#8c564b' },
    { label: 'raw rows', data: flat(raw.rows), borderColor: '#8c564b', ...dashed },
  ], 'rows');
  line('chart-adatailr', [
    { label: 'dropped / rows', data: data.rounds.map(r => r.adatailr.rows ? r.adatailr.dropped / r.adatailr.rows : null), borderColor: '#d62728' },
    { label: 're-weighted / rows', data: data.rounds.map(r => r.adatailr.rows ? r.adatailr.reweighted / r.adatailr.rows : null), borderColor: '#bcbd22' },
    { label: 'γ', data: data.rounds.map(r => r.adatailr.gamma ?? null), borderColor: '#7f7f7f' },
    { label: 'noise estimate ρ̂', data: data.rounds.map(r => r.adatailr.rho ?? null), borderColor: '#000000' },
  ], 'fraction');
  line('chart-model', [
    { label: "model's held-out CIDEr-D", data: data.rounds.map(r => r.model ? r.model.ciderD : null), borderColor: '#9467bd' },
    { label: 'raw ASR held-out CIDEr-D', data: flat(data.rawAsrCiderD), borderColor: '#9467bd', ...dashed },
  ], 'CIDEr-D');
  if (data.rounds.some(r => r.downstream)) {
    line('chart-downstream', [
      { label: 'probe T→V R@1, trained on the round', data: data.rounds.map(r => r.downstream ? r.downstream.t2vR1 : null), borderColor: '#17becf' },
      { label: 'trained on raw', data: flat(data.downstreamRaw && data.downstreamRaw.t2vR1), borderColor: '#17becf', ...dashed },
      { label: 'trained on truth (upper bound)', data: flat(data.downstreamUpper && data.downstreamUpper.t2vR1), borderColor: '#2ca02c', ...dashed },
    ], 'R@1 (%)');
  }
  window.__flywheelCharts = charts.length;
})();
`;

/** Builds the whole report page as one HTML string. */
export function renderReportHtml(data: ReportData): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>${escapeHtml(data.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
td:nth-child(2), td:last-child { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
.charts figure { margin: 0; }
.sample { border-top: 1px solid #ddd; padding: .5em 0; }
.thumb { image-rendering: pixelated; margin-right: 4px; border: 1px solid #999; }
.drop { color: #b00; } .w { color: #555; }
</style>
<script>${chartJsSource()}</script>
</head><body>
<h1>${escapeHtml(data.title)}</h1>
<p>run <code>${escapeHtml(data.runId)}</code> · config <code>${escapeHtml(data.configHash)}</code> · ${escapeHtml(data.createdAt)}</p>
<h2>The dataset's trinity, round by round</h2>
<p>The rows each round exports (train split), measured as data against the raw input (dashed).</p>
<div class="charts">
<figure><canvas id="chart-quality" width="460" height="280"></canvas><figcaption>Quality (dataset)</figcaption></figure>
<figure><canvas id="chart-diversity" width="460" height="280"></canvas><figcaption>Diversity (dataset)</figcaption></figure>
<figure><canvas id="chart-quantity" width="460" height="280"></canvas><figcaption>Quantity (dataset)</figcaption></figure>
<figure><canvas id="chart-adatailr" width="460" height="280"></canvas><figcaption>What AdaTaiLr changed</figcaption></figure>
<figure><canvas id="chart-model" width="460" height="280"></canvas><figcaption>The model's own held-out score (not the dataset's)</figcaption></figure>
${data.rounds.some((r) => r.downstream) ? '<figure><canvas id="chart-downstream" width="460" height="280"></canvas><figcaption>Downstream: a retrieval probe trained on each dataset, held-out text→video R@1</figcaption></figure>' : ''}
</div>
${roundsTable(data)}
<h3>By caption source</h3>
${sourcesTable(data)}
<h2>Sample clips and their captions across rounds</h2>
${samplesSection(data)}
<h2>Errors</h2>
${errorsSection(data)}
<script type="application/json" id="report-data">${scriptJson({ rounds: data.rounds, raw: data.raw, rawClean: data.rawClean, rawAsrCiderD: data.rawAsrCiderD, downstreamRaw: data.downstreamRaw, downstreamUpper: data.downstreamUpper })}</script>
<script>${chartScript}</script>
</body></html>
`;
}
