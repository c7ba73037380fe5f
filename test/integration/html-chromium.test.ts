import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { renderHtml } from '../../src/report/html.js';
import { readChartAssets } from '../../src/env/chart-assets.js';
import type { SweepResult } from '../../src/result/sweep-result.js';
import { fixture } from '../helpers/fixtures.js';
import { prerequisite } from '../helpers/prereq.js';

const ASSETS = readChartAssets();

const CHROMIUM = '/usr/bin/chromium';

// sweep-result.json predates the per-second histograms (no latency-by-second chart); sweep-seconds-result.json has them.
// sweep-port-search-result.json has the port search's model curve and the engine's call times in its stage charts.
for (const [name, overTime] of [
  ['sweep-result.json', 0],
  ['sweep-seconds-result.json', 1],
  ['sweep-port-search-result.json', 1],
] as const)
  test(`the HTML report of ${name} opens in headless Chromium with no errors and every chart draws`, async (t) => {
    if (!prerequisite(t, existsSync(CHROMIUM), `needs Debian's chromium at ${CHROMIUM} (apt-get install -y chromium)`)) return;
    const stored = JSON.parse(fixture(name)) as SweepResult;
    // A second reference row, as beside nobind stages: each gets its own line in the axis chart.
    const kernel = stored.references![0]!;
    const result: SweepResult = { ...stored, references: [{ ...kernel, axisValue: '16 bind' }, kernel] };
    const dir = await mkdtemp(join(tmpdir(), 'portchurn-html-'));
    const page = join(dir, 'report.html');
    await writeFile(page, renderHtml(result, ASSETS));
    // The flags keep Chromium off the network (this machine has none) and out of a sandbox it cannot make as root.
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const tab = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      tab.on('pageerror', (e) => errors.push(String(e)));
      tab.on('request', (r) => !r.url().startsWith('file:') && requests.push(r.url()));
      await tab.goto(`file://${page}`);
      // Runs in the page: counts the painted pixels of each chart's canvas.
      const inked = (await tab.evaluate(`[...document.querySelectorAll('.chart canvas')].map((canvas) => {
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) n++;
      return n;
    })`)) as number[];
      assert.deepEqual(errors, []);
      const text = (await tab.evaluate('document.body.innerText')) as string;
      for (const label of result.references!.map((r) => `${r.axisValue} reference ok/s`))
        assert.ok(text.includes(label), `the legend has ${label}`);
      assert.deepEqual(requests, [], 'the page fetches nothing');
      assert.equal(
        inked.length,
        2 + result.stages.length + overTime,
        'one chart for the axis, one per stage, one for latency (and one for latency by second)',
      );
      if (overTime) assert.ok(text.includes('total latency by second (ms)'), 'the latency-by-second chart has its title');
      // Each stage the port search shaped: its chart draws the model's curve and the searching call's median.
      const searched = result.stages.filter((s) => s.run.model.portSearch).length;
      assert.equal(text.split('model ok/s (port search)').length - 1, searched, 'a model-curve series per stage the search shaped');
      assert.equal(text.split('connect() p50 µs').length - 1, searched, 'a connect() series per stage the search shaped');
      for (const [i, n] of inked.entries()) assert.ok(n > 500, `chart ${i + 1} drew ${n} pixels`);
      // Into the test's own temporary directory (removed below), never the repository's results/.
      const shot = join(dir, 'report-fixture.png');
      await tab.screenshot({ path: shot, fullPage: true });
      assert.ok((await stat(shot)).size > 10_000, 'a screenshot with something in it');
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
