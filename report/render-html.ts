/**
 * Renders one self-contained HTML report page: Chart.js is inlined so the page opens offline,
 * data travels as embedded JSON, and thumbnails as PNG data URLs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ReportData } from './report-data.js';
import { thumbnailDataUrl } from './thumbnail-png.js';

const require = createRequire(import.meta.url);

function chartJsSource(): string {
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** JSON safe to place inside a <script> element (no `</script>` or `<!--` can appear). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const fmt = (x: number | undefined, digits = 3): string => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));

function roundsTable(data: ReportData): string {
  const rows = data.rounds
    .map(
      (r) => `<tr><td>${r.round}</td><td><code>${escapeHtml(r.modelVersion)}</code></td>` +
        `<td>${r.quantity.rows}</td><td>${r.quantity.kept}</td><td>${r.quantity.tokens}</td>` +
        `<td>${fmt(r.quality.ciderD)}</td><td>${fmt(r.quality.bleu4)}</td><td>${fmt(r.quality.attributeAccuracy)}</td>` +
        `<td>${fmt(r.diversity.distinct1)}</td><td>${fmt(r.diversity.distinct2)}</td><td>${r.diversity.vocabulary}</td>` +
        `<td>${fmt(r.filter?.precision)}</td><td>${fmt(r.filter?.recall)}</td><td>${fmt(r.gamma)}</td><td>${fmt(r.noiseEstimate)}</td></tr>`,
    )
    .join('\n');
  return `<table><thead><tr><th>round</th><th>model</th><th>rows</th><th>kept</th><th>tokens</th>` +
    `<th>CIDEr-D</th><th>BLEU-4</th><th>attr. acc.</th><th>distinct-1</th><th>distinct-2</th><th>vocab</th>` +
    `<th>filter P</th><th>filter R</th><th>γ</th><th>ρ̂</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function samplesSection(data: ReportData): string {
  return data.samples
    .map((s) => {
      const thumbs = s.thumbnails
        .map((t) => `<img class="thumb" alt="frame of ${escapeHtml(s.clipId)}" src="${thumbnailDataUrl(t)}" width="${t.width * 2}" height="${t.height * 2}">`)
        .join('');
      const caps = s.captions
        .map((c) => `<li><b>round ${c.round}</b>${c.keep === false ? ' <span class="drop">dropped</span>' : ''}` +
          `${c.weight !== undefined ? ` <span class="w">w=${c.weight.toFixed(2)}</span>` : ''}: ${escapeHtml(c.caption)}</li>`)
        .join('');
      return `<div class="sample"><h3><code>${escapeHtml(s.clipId)}</code></h3><div>${thumbs}</div>` +
        `<p><b>ASR:</b> ${escapeHtml(s.asrText || '(empty)')}</p>` +
        (s.groundTruth !== undefined ? `<p><b>ground truth:</b> ${escapeHtml(s.groundTruth)}</p>` : '') +
        `<ul>${caps}</ul></div>`;
    })
    .join('\n');
}

function errorsSection(data: ReportData): string {
  if (data.errors.length === 0) return '<p>No errors.</p>';
  const rows = data.errors
    .map((e) => `<tr><td>${escapeHtml(e.stage)}</td><td>${escapeHtml(e.kind)}</td><td>${e.count}</td><td>${e.examples
      .map((x) => `<code>${escapeHtml(x.clipId)}</code>: ${escapeHtml(x.message)}`)
      .join('<br>')}</td></tr>`)
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
  const flat = v => rounds.map(() => v);
  line('chart-quality', [
    { label: 'CIDEr-D (held-out)', data: data.rounds.map(r => r.quality.ciderD), borderColor: '#1f77b4' },
    { label: 'BLEU-4 (held-out)', data: data.rounds.map(r => r.quality.bleu4), borderColor: '#ff7f0e' },
    ...data.baselines.map((b, i) => ({ label: b.name + ' CIDEr-D', data: flat(b.ciderD), borderDash: [6, 4], borderColor: ['#7f7f7f', '#bcbd22', '#17becf'][i % 3] })),
  ], 'score');
  line('chart-diversity', [
    { label: 'distinct-1', data: data.rounds.map(r => r.diversity.distinct1), borderColor: '#2ca02c' },
    { label: 'distinct-2', data: data.rounds.map(r => r.diversity.distinct2), borderColor: '#d62728' },
    { label: 'token entropy (bits)', data: data.rounds.map(r => r.diversity.entropy), borderColor: '#9467bd', yAxisID: 'y' },
  ], 'diversity');
  line('chart-quantity', [
    { label: 'rows', data: data.rounds.map(r => r.quantity.rows), borderColor: '#8c564b' },
    { label: 'rows kept', data: data.rounds.map(r => r.quantity.kept), borderColor: '#e377c2' },
  ], 'rows');
  line('chart-filter', [
    { label: 'filter precision', data: data.rounds.map(r => r.filter ? r.filter.precision : null), borderColor: '#17becf' },
    { label: 'filter recall', data: data.rounds.map(r => r.filter ? r.filter.recall : null), borderColor: '#bcbd22' },
    { label: 'γ', data: data.rounds.map(r => r.gamma ?? null), borderColor: '#7f7f7f' },
    { label: 'noise estimate ρ̂', data: data.rounds.map(r => r.noiseEstimate ?? null), borderColor: '#000000' },
  ], 'fraction');
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
<h2>The trinity, round by round</h2>
<div class="charts">
<figure><canvas id="chart-quality" width="460" height="280"></canvas><figcaption>Quality</figcaption></figure>
<figure><canvas id="chart-diversity" width="460" height="280"></canvas><figcaption>Diversity</figcaption></figure>
<figure><canvas id="chart-quantity" width="460" height="280"></canvas><figcaption>Quantity</figcaption></figure>
<figure><canvas id="chart-filter" width="460" height="280"></canvas><figcaption>Noise filter (AdaTaiLr)</figcaption></figure>
</div>
${roundsTable(data)}
<h2>Sample clips and their captions across rounds</h2>
${samplesSection(data)}
<h2>Errors</h2>
${errorsSection(data)}
<script type="application/json" id="report-data">${scriptJson({ rounds: data.rounds, baselines: data.baselines })}</script>
<script>${chartScript}</script>
</body></html>
`;
}
