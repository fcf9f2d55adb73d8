// The HTML report in a real headless browser: the page loads from disk with no console error and
// no network request, and every chart draws its lines (colored pixels on its canvas), for a Node
// engine run (lag, lifecycle outcomes, a crossed threshold, a capacity curve), a k6 run converted
// from real k6 output, and an old folder with summary.json only. Skipped, with the reason, where
// no Chromium exists.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ResultsCollector } from '../report/data/collector.ts';
import type { Results } from '../report/data/format.ts';
import { summarize } from '../report/data/summarize.ts';
import { convertK6Csv } from '../report/k6/convert.ts';
import { writeReportFor } from '../report/runs.ts';
import { writeRunFolder } from '../report/write.ts';
import { random } from './fixtures/compare/results.ts';
import { findChromium, launchChromium } from './helpers/browser.ts';

const browser = findChromium();
const skip = 'reason' in browser ? `the HTML report's browser test needs Chromium: ${browser.reason}` : false;
if (skip) console.log(`# skipped: ${skip}`);

let dir: string;
/** One browser for the file (a launch is most of a test's cost); each report opens in a page of its own. */
let launched: Promise<Awaited<ReturnType<typeof launchChromium>>> | undefined;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-report-'));
});
after(async () => {
  if (launched) await (await launched).close();
  await rm(dir, { recursive: true, force: true });
});

const START = Date.UTC(2026, 10, 25, 20, 0, 0);

/** A 30 s replay-like run: two steps, a slow patch, lag, sessions of three kinds, thresholds, a capacity curve. */
function nodeRun(): Results {
  const r = random(9);
  const c = new ResultsCollector();
  for (let s = 0; s < 30; s++) {
    const slow = s >= 12 && s < 16 ? 40 : 0;
    for (let i = 0; i < 20; i++) {
      const at = START + s * 1000 + i * 50;
      const failed = r() < (slow ? 0.2 : 0.01);
      c.answer(
        at,
        i % 3 === 0 ? 'open' : 'update',
        'PUT /v2/customer_sessions/{id}',
        failed ? 503 : 200,
        failed,
        5 + 20 * r() + slow,
        6 + 25 * r() + slow,
      );
      c.lag(at, r() * 3 + slow / 10);
      if (i % 7 === 0) c.waiting(at, r() * 10);
      if (i % 3 === 0)
        c.session(at, ['checkout', 'browse', 'return'][i % 3 === 0 ? s % 3 : 0]!, failed ? 'failed' : 'completed');
    }
  }
  const results = c.finish({
    run: {
      runId: 'node-run',
      engine: 'node',
      kind: 'recording',
      scenario: 'export.csv',
      target: 'http://127.0.0.1:3000',
      options: { speed: 1 },
      tools: { cartload: 'test', node: process.version },
      startedAt: new Date(START).toISOString(),
      endedAt: new Date(START + 30_000).toISOString(),
      durationMs: 30_000,
      interrupted: false,
    },
    thresholds: [
      { metric: 'error_rate', expression: 'rate<=0.01', ok: false },
      { metric: 'http_req_duration{step:open}', expression: 'p(95)<500', ok: true },
    ],
    notes: ['a note with <markup> & "quotes" that must show as text'],
  });
  results.capacity = {
    unit: 'sessions/s',
    points: [20, 40, 60, 80, 100].map((offered, i) => ({
      offered,
      achieved: Math.min(offered, 85),
      p50: 10 + i * 3,
      p95: 20 + i ** 3 * 4,
      p99: 30 + i ** 3 * 6,
      errorRate: i >= 4 ? 0.05 : 0,
    })),
    sustainable: 80,
    knee: 60,
  };
  return results;
}

interface PageReport {
  errors: string[];
  requests: string[];
  charts: { title: string; drawn: boolean; colored: number }[];
  declared: string | null;
  text: string;
}

async function open(file: string): Promise<PageReport> {
  if ('reason' in browser) throw new Error(browser.reason);
  launched ??= launchChromium(browser.path);
  const page = await (await launched).context.newPage();
  try {
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForFunction('document.readyState === "complete"');
    const charts = await page.$$eval('.chart', (els) =>
      els.map((el) => {
        const canvas = el.querySelector('canvas');
        let colored = 0;
        if (canvas) {
          const ctx = canvas.getContext('2d');
          const data = ctx ? ctx.getImageData(0, 0, canvas.width, canvas.height).data : new Uint8ClampedArray(0);
          // Lines are drawn in colors; axes, grid and text in greys.
          for (let i = 0; i < data.length; i += 4) {
            const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
            if (a > 0 && Math.max(Math.abs(r - g), Math.abs(g - b), Math.abs(r - b)) > 40) colored++;
          }
        }
        return {
          title: el.querySelector('h3')?.textContent ?? '',
          drawn: el.getAttribute('data-drawn') === 'true',
          colored,
        };
      }),
    );
    return {
      errors,
      requests,
      charts,
      declared: await page.getAttribute('body', 'data-charts'),
      text: await page.innerText('body'),
    };
  } finally {
    await page.close();
  }
}

test('a Node engine run: every chart draws, no console error, no network', { skip, timeout: 180_000 }, async () => {
  const run = join(dir, 'node-run');
  await mkdir(run);
  await writeRunFolder(run, nodeRun());
  const html = await readFile(join(run, 'report.html'), 'utf8');
  assert.doesNotMatch(html, /<(script|link)[^>]+(src|href)=/i, 'nothing is loaded from elsewhere');
  const p = await open(join(run, 'report.html'));
  assert.deepEqual(p.errors, []);
  assert.deepEqual(p.requests, []);
  assert.deepEqual(
    p.charts.map((c) => c.title),
    [
      'Throughput and errors',
      'Latency: open',
      'Latency: update',
      'Lag',
      'Latency and errors against offered rate',
      'Achieved against offered rate',
    ],
  );
  assert.equal(p.declared, String(p.charts.length));
  for (const c of p.charts) {
    assert.ok(c.drawn, `${c.title} was drawn`);
    assert.ok(c.colored > 200, `${c.title} has its lines (${c.colored} colored pixels)`);
  }
  assert.match(p.text, /1 threshold crossed/);
  assert.match(p.text, /a note with <markup> & "quotes" that must show as text/);
  assert.match(p.text, /checkout\s+\d+ completed/);
});

test('a k6 run converted from real k6 output: its steps are drawn', { skip, timeout: 180_000 }, async () => {
  const csv = fileURLToPath(new URL('./fixtures/k6/out-csv.sample.csv', import.meta.url));
  const run = join(dir, 'k6-run');
  await mkdir(run);
  await writeRunFolder(run, await convertK6Csv({ csv, runId: 'k6-run' }));
  const p = await open(join(run, 'report.html'));
  assert.deepEqual(p.errors, []);
  assert.deepEqual(
    p.charts.map((c) => c.title),
    ['Throughput and errors', 'Latency: bad', 'Latency: close', 'Latency: open'],
  );
  for (const c of p.charts) assert.ok(c.drawn && c.colored > 0, `${c.title} was drawn`);
});

test('an old folder with summary.json only: the figures, no charts, no error', { skip, timeout: 180_000 }, async () => {
  const run = join(dir, 'old');
  await mkdir(run);
  await writeFile(
    join(run, 'summary.json'),
    JSON.stringify({ ...summarize(nodeRun()), schemaVersion: 1, engine: 'replay' }),
  );
  const { file, charts } = await writeReportFor(run);
  assert.equal(charts, false);
  const p = await open(file);
  assert.deepEqual(p.errors, []);
  assert.deepEqual(p.charts, []);
  assert.match(p.text, /holds summary\.json only/);
  assert.match(p.text, /Node engine/);
});
