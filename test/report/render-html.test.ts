/**
 * The report page: self-contained (no external scripts, styles or images), escapes every caption,
 * source name and model version it shows, refuses a malformed thumbnail, and in headless Chromium
 * draws every chart (dataset trinity per round beside the raw input, AdaTaiLr, the model's own
 * score) with no console errors and no hostile text run as code.
 */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportData, TrinityPoint } from '../../report/report-data.js';
import { escapeHtml } from '../../report/html.js';
import { renderReportHtml } from '../../report/render-html.js';
import { chromiumArgs, chromiumPath, chromiumUnavailableReason } from '../helpers/chromium.js';

function frame(r: number, g: number, b: number): { width: number; height: number; pixels: Uint8Array } {
  const px = new Uint8Array(8 * 8 * 3);
  for (let i = 0; i < 64; i++) px.set([r, g, b], i * 3);
  return { width: 8, height: 8, pixels: px };
}

const hostile = '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">';

const point = (k: number, content?: number): TrinityPoint => ({
  rows: 100 - k * 5,
  tokens: 900 + k,
  vocabulary: 40 + k,
  distinct1: 0.2 + k * 0.01,
  distinct2: 0.4,
  entropy: 4.1,
  ...(content !== undefined ? { contentAccuracy: content, ciderD: 0.5 + k * 0.3, bleu4: 0.2 + k * 0.1 } : {}),
});

const data: ReportData = {
  title: 'flywheel report — test',
  runId: 'run-test',
  createdAt: '2026-11-25T00:00:00Z',
  configHash: 'abc123',
  rounds: [0, 1, 2].map((k) => ({
    round: k,
    modelVersion: k === 2 ? hostile : `v${k}`,
    dataset: point(k, 0.6 + k * 0.1),
    bySource: { asr: point(k, 0.5), synthetic: point(k), [hostile]: point(k, 0.9) },
    keptShare: 0.8 - k * 0.05,
    adatailr: { rows: 100, dropped: 10 + k, reweighted: 30, gamma: 0.2, rho: 0.35 },
    ...(k > 0 ? { model: { ciderD: 0.5 + k * 0.3, bleu4: 0.2 + k * 0.1, attributeAccuracy: 0.6 + k * 0.1 } } : {}),
    keptClean: { rows: 50, verbatim: 50 - k * 5, distinct2: 0.3 + k * 0.02, transcriptsDistinct2: 0.3 },
    lossCurve: [3, 2.5, 2.2],
  })),
  raw: point(0, 0.55),
  rawClean: point(0, 1),
  rawAsrCiderD: 0.3,
  samples: [
    {
      clipId: 'clip-1',
      thumbnails: [frame(255, 0, 0), frame(0, 0, 255)],
      asrText: hostile,
      groundTruth: 'a red circle moves left',
      captions: [
        { round: 0, caption: hostile, weight: 0.1, keep: false },
        { round: 1, caption: 'a red circle moves left', weight: 0.9, keep: true },
      ],
    },
  ],
  errors: [
    {
      stage: 'frames',
      kind: 'not_a_video',
      count: 2,
      examples: [{ clipId: 'bad-1', message: 'ffprobe: invalid data' }],
    },
  ],
};

/** Captions that try every way out of text: tags, quotes into attributes, script and comment endings, newlines, entities. */
const hostileCaptions = [
  '<script>alert(1)</script>',
  'he said "hi" & left',
  "it's <b>bold</b> ' onmouseover='window.__pwned=6",
  '</script><script>window.__pwned=3</script>',
  '<!-- <script>window.__pwned=4</script>',
  'line one\nline two\r\n\tline three',
  'a & b &amp; c &lt; &#60; &',
  '"><img src=x onerror="window.__pwned=5">',
];
const hostileId = `clip"'><img src=x onerror=window.__pwned=7>`;
const hostileData: ReportData = {
  ...data,
  title: 'report </title><script>window.__pwned=8</script>',
  rounds: data.rounds.map((r, k) => ({
    ...r,
    modelVersion: hostileCaptions[k + 3],
    bySource: { [hostileCaptions[4]]: point(k) },
  })),
  samples: [
    {
      clipId: hostileId,
      thumbnails: [frame(0, 255, 0)],
      asrText: hostileCaptions[0],
      groundTruth: hostileCaptions[5],
      captions: hostileCaptions.map((caption, round) => ({ round, caption })),
    },
  ],
  errors: [
    { stage: 'frames', kind: '<b>kind</b>', count: 1, examples: [{ clipId: hostileId, message: hostileCaptions[3] }] },
  ],
};

describe('renderReportHtml', () => {
  it('makes a self-contained page (no external scripts, styles or images)', () => {
    const html = renderReportHtml(data);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).not.toMatch(/src="https?:/);
    expect(html).toContain('Chart');
  });

  it('shows hostile text only escaped, in the tables and the embedded data', () => {
    const html = renderReportHtml(data);
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(escapeHtml(hostile));
    // the embedded JSON cannot close its script element
    const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1];
    expect(json).not.toContain('<');
    expect((JSON.parse(json) as Pick<ReportData, 'rounds'>).rounds[2].modelVersion).toBe(hostile);
  });

  it('draws the raw input beside the rounds and tolerates missing quality and rounds without a model score', () => {
    const html = renderReportHtml(data);
    expect(html).toContain('<td>raw</td>');
    expect(html).toContain('<td>raw, clean rows</td>');
    const bare: ReportData = {
      ...data,
      raw: undefined,
      rawClean: undefined,
      rawAsrCiderD: undefined,
      rounds: data.rounds.map(({ model: _m, ...r }) => ({ ...r, dataset: point(r.round) })),
    };
    const page = renderReportHtml(bare);
    expect(page).not.toContain('<td>raw</td>');
    expect(page).toContain('<td>–</td>'); // content accuracy without truth
  });

  it('says what ρ̂ counts beside its chart, so no reader takes it for the error rate', () => {
    const html = renderReportHtml(data);
    const at = html.indexOf('id="chart-adatailr"');
    expect(at).toBeGreaterThan(0);
    expect(html.slice(html.lastIndexOf('<figcaption>', at), at)).toMatch(
      /ρ̂: the share of chosen captions.*not an error rate/,
    );
  });

  it('refuses a thumbnail whose byte count does not match its size', () => {
    const bad: ReportData = {
      ...data,
      samples: [{ ...data.samples[0], thumbnails: [{ width: 4, height: 4, pixels: new Uint8Array(5) }] }],
    };
    expect(() => renderReportHtml(bad)).toThrow(/expected 4x4x3/);
  });
});

const skipReason = chromiumUnavailableReason();
if (skipReason) console.warn(skipReason);

describe.skipIf(skipReason !== null)('report page in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flywheel-report-'));
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads with no console errors, draws every chart and shows the thumbnails', async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, renderReportHtml(data));
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.evaluate('window.__flywheelCharts')).toBe(6);
    // the wording chart draws the clean clips' distinct-2 per round beside their own transcripts'
    expect(
      await page.evaluate(
        `Chart.getChart('chart-distinct').data.datasets.map((d) => [d.label, d.data.map((x) => x === null ? null : Math.round(x * 100))])`,
      ),
    ).toEqual([
      ['distinct-2 (dataset)', [40, 40, 40]],
      ['raw distinct-2', [40, 40, 40]],
      ['raw clean-rows distinct-2', [40, 40, 40]],
      ['the clean clips (dataset)', [30, 32, 34]],
      ['their own transcripts', [30, 30, 30]],
    ]);
    // counts start at zero, so a change of a few rows does not fill the chart
    expect(
      await page.evaluate(`['chart-quantity', 'chart-diversity'].map((id) => Chart.getChart(id).scales.y.min)`),
    ).toEqual([0, 0]);
    // each chart's title stands above it
    expect(
      await page.evaluate(
        `Array.from(document.querySelectorAll('.charts figure')).every((f) => f.firstElementChild.tagName === 'FIGCAPTION')`,
      ),
    ).toBe(true);
    // every canvas has drawn pixels
    const painted = await page.evaluate<number[]>(`Array.from(document.querySelectorAll('canvas')).map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      })`);
    expect(painted).toHaveLength(6);
    for (const n of painted) expect(n).toBeGreaterThan(500);
    const thumbs = await page.evaluate('Array.from(document.images).map((i) => i.naturalWidth)');
    expect(thumbs).toEqual([8, 8]);
    // hostile captions are shown as text, never run
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.textContent('body')).toContain('window.__pwned = 1');
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
  });
  it('without truth, says why the quality and model charts are empty and lists no truth-only series', async () => {
    const file = join(dir, 'no-truth.html');
    const noTruth: ReportData = {
      ...data,
      raw: point(0),
      rawClean: undefined,
      rawAsrCiderD: undefined,
      rounds: data.rounds.map(({ model: _m, keptClean: _k, ...r }) => ({ ...r, dataset: point(r.round) })),
    };
    writeFileSync(file, renderReportHtml(noTruth));
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    expect(problems).toEqual([]);
    expect(await page.evaluate('window.__flywheelCharts')).toBe(4);
    expect(await page.evaluate(`Array.from(document.querySelectorAll('.no-data')).map((p) => p.textContent)`)).toEqual([
      "Quality is measured against a truth table (a benchmark's) or, on held-out clips, against their human captions; this job has neither.",
      'The model is scored on held-out clips against a truth table, or against the human captions of held-out clips a person captioned; this job has neither.',
    ]);
    expect(
      await page.evaluate(
        `['chart-diversity', 'chart-distinct'].map((id) => Chart.getChart(id).data.datasets.map((d) => d.label))`,
      ),
    ).toEqual([
      ['vocabulary (dataset)', 'raw vocabulary'],
      ['distinct-2 (dataset)', 'raw distinct-2'],
    ]);
    expect(await page.textContent('body')).not.toContain('clean clips beside their own transcripts');

    // held-out clips a person captioned score the model without truth: its chart is drawn, and says so
    const human = join(dir, 'no-truth-human.html');
    // and the rounds' own choice for those clips is the dataset's quality: the quality chart draws it beside their raw text
    const heldoutRows = (ciderD: number) =>
      ({ clips: 10, kept: 10, against: 'human', ciderD, rawCiderD: 0.4 }) as const;
    const rounds = data.rounds.map(({ keptClean: _k, ...r }) => ({
      ...r,
      dataset: point(r.round),
      heldoutRows: heldoutRows(1 + r.round),
    }));
    writeFileSync(human, renderReportHtml({ ...noTruth, rounds, rawAsrCiderD: 0.4, modelAgainst: 'human' }));
    await page.goto(pathToFileURL(human).href, { waitUntil: 'load' });
    expect(problems).toEqual([]);
    expect(await page.evaluate(`Array.from(document.querySelectorAll('.no-data')).map((p) => p.textContent)`)).toEqual(
      [],
    );
    expect(
      await page.evaluate(
        `Chart.getChart('chart-quality').data.datasets.map((d) => [d.label, d.data.map((x) => x === null ? null : Math.round(x * 100))])`,
      ),
    ).toEqual([
      ['held-out rows CIDEr-D / 10 (against their human captions)', rounds.map((r) => 10 * (1 + r.round))],
      ['their raw ASR text', rounds.map(() => 4)],
    ]);
    expect(await page.evaluate(`Chart.getChart('chart-model').data.datasets.map((d) => d.label)`)).toEqual([
      "model's held-out CIDEr-D (against their human captions)",
      'raw ASR held-out CIDEr-D (against their human captions)',
    ]);
  });

  it('shows hostile captions, ids and titles as exactly their text, running none of them', async () => {
    const file = join(dir, 'hostile.html');
    writeFileSync(file, renderReportHtml(hostileData));
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    expect(problems).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    // only the page's own elements: three scripts, one thumbnail, no stray bold or comment nodes
    expect(await page.evaluate('document.scripts.length')).toBe(3);
    expect(await page.evaluate('document.images.length')).toBe(1);
    expect(await page.evaluate("document.querySelectorAll('td b, li span.caption b').length")).toBe(0);
    expect(await page.evaluate('window.__flywheelCharts')).toBe(6);
    // every string reads back exactly, newlines and entities included
    const got = await page.evaluate<{
      captions: string[];
      alt: string;
      id: string;
      title: string;
      asr: string;
      truth: string;
      error: string;
      versions: string[];
      sources: string[];
    }>(`(() => {
      const json = JSON.parse(document.getElementById('report-data').textContent);
      const text = (sel) => document.querySelector(sel).textContent;
      return {
        captions: Array.from(document.querySelectorAll('.caption')).map((e) => e.textContent),
        alt: document.images[0].alt,
        id: text('.sample h3 code'),
        title: document.querySelector('title').textContent,
        asr: text('.sample p').replace('ASR: ', ''),
        truth: document.querySelectorAll('.sample p')[1].textContent.replace('ground truth: ', ''),
        error: document.querySelectorAll('table')[2].querySelector('tbody td:last-child').textContent.trim(),
        versions: json.rounds.map((r) => r.modelVersion),
        sources: json.rounds.flatMap((r) => Object.keys(r.bySource)),
      };
    })()`);
    expect(got.captions).toEqual(hostileCaptions);
    expect(got.alt).toBe(`frame of ${hostileId}`);
    expect(got.id).toBe(hostileId);
    expect(got.title).toBe(hostileData.title);
    expect(got.asr).toBe(hostileCaptions[0]);
    expect(got.truth).toBe(hostileCaptions[5]);
    expect(got.error).toBe(`${hostileId}: ${hostileCaptions[3]}`);
    expect(got.versions).toEqual(hostileCaptions.slice(3, 6));
    expect(got.sources).toEqual([hostileCaptions[4], hostileCaptions[4], hostileCaptions[4]]);
  });
});
