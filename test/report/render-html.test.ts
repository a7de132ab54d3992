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
import { escapeHtml, renderReportHtml } from '../../report/render-html.js';
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

describe('escapeHtml', () => {
  it('escapes every markup character', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

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
    expect(JSON.parse(json).rounds[2].modelVersion).toBe(hostile);
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
    expect(await page.evaluate('window.__flywheelCharts')).toBe(5);
    // every canvas has drawn pixels
    const painted = (await page.evaluate(`Array.from(document.querySelectorAll('canvas')).map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      })`)) as number[];
    expect(painted).toHaveLength(5);
    for (const n of painted) expect(n).toBeGreaterThan(500);
    const thumbs = await page.evaluate('Array.from(document.images).map((i) => i.naturalWidth)');
    expect(thumbs).toEqual([8, 8]);
    // hostile captions are shown as text, never run
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.textContent('body')).toContain('window.__pwned = 1');
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
  });
});
