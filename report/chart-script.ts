/**
 * The page's own client code: reads the embedded report data and draws the Chart.js line charts
 * (dataset trinity per round beside the raw input, AdaTaiLr, model, downstream). Plain browser
 * JavaScript kept as text, so the page stays one self-contained file.
 */

/** Browser script that draws every chart from `#report-data` and sets `window.__flywheelCharts`. */
export const chartScript = `
(function () {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const rounds = data.rounds.map(r => 'round ' + r.round);
  const charts = [];
  // counts (rows, words) start at zero, so a change of one row out of 750 does not fill the chart;
  // series with no value (truth-only ones in a job without truth) are left out, and a chart with
  // none left says why instead of drawing empty axes
  function line(id, datasets, yTitle, fromZero, whyEmpty) {
    const el = document.getElementById(id);
    const shown = datasets.filter(d => d.data.some(v => v !== null && v !== undefined));
    if (shown.length === 0) {
      const note = document.createElement('p');
      note.className = 'no-data';
      note.textContent = whyEmpty || 'Nothing to draw.';
      el.replaceWith(note);
      return;
    }
    charts.push(new Chart(el, {
      type: 'line',
      data: { labels: rounds, datasets: shown },
      options: { animation: false, responsive: false, plugins: { legend: { position: 'bottom' } },
                 scales: { y: { beginAtZero: !!fromZero, title: { display: true, text: yTitle } } } },
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
    // the round's own choice for held-out clips: with truth it checks the rows' content; without, it is the only quality there is
    { label: 'content accuracy, held-out rows', data: data.rounds.map(r => r.heldoutRows && r.heldoutRows.contentAccuracy !== undefined ? r.heldoutRows.contentAccuracy : null), borderColor: '#aec7e8' },
    { label: 'held-out rows CIDEr-D / 10 (against their human captions)', data: data.rounds.map(r => r.heldoutRows && r.heldoutRows.against === 'human' ? r.heldoutRows.ciderD / 10 : null), borderColor: '#ffbb78' },
    { label: 'their raw ASR text', data: data.rounds.map(r => r.heldoutRows && r.heldoutRows.against === 'human' ? r.heldoutRows.rawCiderD / 10 : null), borderColor: '#ffbb78', ...dashed },
  ], 'share of rows / score', false, 'Quality is measured against a truth table (a benchmark\\'s) or, on held-out clips, against their human captions; this job has neither.');
  line('chart-diversity', [
    { label: 'vocabulary (dataset)', data: data.rounds.map(r => r.dataset.vocabulary), borderColor: '#2ca02c' },
    { label: 'raw vocabulary', data: flat(raw.vocabulary), borderColor: '#2ca02c', ...dashed },
    { label: 'raw clean-rows vocabulary', data: flat(clean.vocabulary), borderColor: '#98df8a', ...dashed },
  ], 'distinct words', true);
  // distinct-2 falls as rows are added, so the clean clips' own transcripts (same clips, same size) are the fair reference
  line('chart-distinct', [
    { label: 'distinct-2 (dataset)', data: data.rounds.map(r => r.dataset.distinct2), borderColor: '#e377c2' },
    { label: 'raw distinct-2', data: flat(raw.distinct2), borderColor: '#e377c2', ...dashed },
    { label: 'raw clean-rows distinct-2', data: flat(clean.distinct2), borderColor: '#f7b6d2', ...dashed },
    { label: 'the clean clips (dataset)', data: data.rounds.map(r => r.keptClean ? r.keptClean.distinct2 : null), borderColor: '#17becf' },
    { label: 'their own transcripts', data: data.rounds.map(r => r.keptClean ? r.keptClean.transcriptsDistinct2 : null), borderColor: '#17becf', ...dashed },
  ], 'distinct bigrams / bigrams');
  line('chart-quantity', [
    { label: 'rows exported', data: data.rounds.map(r => r.dataset.rows), borderColor: '#8c564b' },
    { label: 'raw rows', data: flat(raw.rows), borderColor: '#8c564b', ...dashed },
  ], 'rows', true);
  line('chart-adatailr', [
    { label: 'dropped / rows', data: data.rounds.map(r => r.adatailr.rows ? r.adatailr.dropped / r.adatailr.rows : null), borderColor: '#d62728' },
    { label: 're-weighted / rows', data: data.rounds.map(r => r.adatailr.rows ? r.adatailr.reweighted / r.adatailr.rows : null), borderColor: '#bcbd22' },
    { label: 'γ', data: data.rounds.map(r => r.adatailr.gamma ?? null), borderColor: '#7f7f7f' },
    { label: 'ρ̂ (captions with an implausible token)', data: data.rounds.map(r => r.adatailr.rho ?? null), borderColor: '#000000' },
  ], 'fraction');
  const against = data.modelAgainst === 'human' ? ' (against their human captions)' : '';
  line('chart-model', [
    { label: "model's held-out CIDEr-D" + against, data: data.rounds.map(r => r.model ? r.model.ciderD : null), borderColor: '#9467bd' },
    { label: 'raw ASR held-out CIDEr-D' + against, data: flat(data.rawAsrCiderD), borderColor: '#9467bd', ...dashed },
  ], 'CIDEr-D', false, 'The model is scored on held-out clips against a truth table, or against the human captions of held-out clips a person captioned; this job has neither.');
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
