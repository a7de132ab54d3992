import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportData } from '../../report/report-data.js';
import { escapeHtml, renderReportHtml } from '../../report/render-html.js';
import { chromiumArgs, chromiumPath, chromiumUnavailableReason } from '../helpers/chromium.js';

function frame(r: number, g: number, b: number): { width: number; height: number; pixels: Uint8Array } {
  const px = new Uint8Array(8 * 8 * 3);
  for (let i = 0; i < 64; i++) px.set([r, g, b], i * 3);
  return { width: 8, height: 8, pixels: px };
}

const hostile = '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">';

const data: ReportData = {
  title: 'flywheel report — test',
  runId: 'run-test',
  createdAt: '2026-11-25T00:00:00Z',
  configHash: 'abc123',
  rounds: [0, 1, 2].map((k) => ({
    round: k,
    modelVersion: `v${k}`,
    quantity: { rows: 100, kept: 80 - k * 5, tokens: 900 + k },
    diversity: { distinct1: 0.2 + k * 0.01, distinct2: 0.4, vocabulary: 40 + k, entropy: 4.1 },
    quality: { ciderD: 0.5 + k * 0.3, bleu4: 0.2 + k * 0.1, attributeAccuracy: 0.6 + k * 0.1 },
    filter: { precision: 0.8, recall: 0.7, f1: 0.75 },
    gamma: 0.4,
    noiseEstimate: 0.35,
  })),
  baselines: [{ name: 'raw ASR', ciderD: 0.3 }],
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
  errors: [{ stage: 'frames', kind: 'not_a_video', count: 2, examples: [{ clipId: 'bad-1', message: 'ffprobe: invalid data' }] }],
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

  it('refuses a thumbnail whose byte count does not match its size', () => {
    const bad: ReportData = { ...data, samples: [{ ...data.samples[0], thumbnails: [{ width: 4, height: 4, pixels: new Uint8Array(5) }] }] };
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
    expect(await page.evaluate('window.__flywheelCharts')).toBe(4);
    // every canvas has drawn pixels
    const painted = (await page.evaluate(`Array.from(document.querySelectorAll('canvas')).map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      })`)) as number[];
    expect(painted).toHaveLength(4);
    for (const n of painted) expect(n).toBeGreaterThan(500);
    const thumbs = await page.evaluate('Array.from(document.images).map((i) => i.naturalWidth)');
    expect(thumbs).toEqual([8, 8]);
    // hostile captions are shown as text, never run
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.textContent('body')).toContain('window.__pwned = 1');
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
  });
});
