// The HTML report of one run: a single self-contained file (uPlot, its stylesheet, the data and
// the drawing script inlined; a Content-Security-Policy that allows no network at all), so it
// opens from disk, from a CI artifact or an e-mail, offline, years later. Tables are rendered
// here; charts are drawn in the page by client.js from the embedded data. Pure: the caller
// passes the assets' text.
import type { LatencyStats, RunSummary, StepStats, ThresholdResult } from '../../model/summary.ts';
import type { Results } from '../data/format.ts';
import { chartData } from './series.ts';

export interface ReportAssets {
  uplotJs: string;
  uplotCss: string;
  clientJs: string;
}

export interface ReportInput {
  summary: RunSummary;
  /** Absent for a folder with summary.json only: figures, no charts over time. */
  results?: Results;
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** JSON inside <script>: no `</script>` or `<!--` can end the element early. */
const scriptJson = (v: unknown): string =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
/** Inlined library code: only a literal `</script` could end the element; escape it where it could occur. */
const scriptText = (s: string): string => s.replace(/<\/script/gi, '<\\/script');

const fmtMs = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const pct = (part: number, whole: number): string => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(2)}%`);
const int = (n: number): string => n.toLocaleString('en-US');

function failedOf(s: StepStats): number {
  if (s.failed !== undefined) return s.failed;
  let ok = 0;
  for (const [code, n] of Object.entries(s.statuses)) if (/^2\d\d$/.test(code)) ok += n;
  return s.count - ok;
}

function verdict(s: RunSummary): { text: string; cls: string } {
  if (s.interrupted) return { text: 'interrupted', cls: 'warn' };
  const t = s.thresholds ?? [];
  if (t.length === 0) return { text: 'no thresholds', cls: 'neutral' };
  const failed = t.filter((x) => !x.ok).length;
  return failed > 0
    ? { text: `${failed} threshold${failed === 1 ? '' : 's'} crossed`, cls: 'bad' }
    : { text: 'thresholds passed', cls: 'good' };
}

function latencyCells(l: LatencyStats): string {
  return [l.p50, l.p90, l.p95, l.p99, l.max]
    .map((v) => `<td class="num">${l.count === 0 ? '–' : fmtMs(v)}</td>`)
    .join('');
}

function statusText(statuses: Record<string, number>): string {
  return Object.entries(statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `<span class="status ${/^2/.test(code) ? 'ok' : 'ko'}">${esc(code)}×${int(n)}</span>`)
    .join(' ');
}

function stepTable(title: string, rows: Record<string, StepStats>): string {
  const names = Object.keys(rows).sort();
  if (names.length === 0) return '';
  const body = names
    .map((name) => {
      const s = rows[name]!;
      const failed = failedOf(s);
      return `<tr><th scope="row">${esc(name)}</th><td class="num">${int(s.count)}</td><td class="num${failed > 0 ? ' ko' : ''}">${int(failed)}</td><td class="num">${pct(failed, s.count)}</td>${latencyCells(s.latency)}<td>${statusText(s.statuses)}</td></tr>`;
    })
    .join('\n');
  return `<h3>${esc(title)}</h3>
<table><thead><tr><th></th><th class="num">requests</th><th class="num">failed</th><th class="num">error rate</th><th class="num">p50 ms</th><th class="num">p90 ms</th><th class="num">p95 ms</th><th class="num">p99 ms</th><th class="num">max ms</th><th>statuses</th></tr></thead>
<tbody>${body}</tbody></table>`;
}

function thresholdRows(list: readonly (ThresholdResult & { recomputed?: boolean })[]): string {
  return list
    .map((t) => {
      const recomputed = t.recomputed === false ? ' <span class="muted">(from the parts\' verdicts)</span>' : '';
      return `<tr><td><span class="badge ${t.ok ? 'good' : 'bad'}">${t.ok ? 'ok' : 'crossed'}</span></td><td><code>${esc(t.metric)}</code></td><td><code>${esc(t.expression)}</code>${recomputed}</td></tr>`;
    })
    .join('\n');
}

/** Crossed thresholds in full; passed ones folded away when there are many (a per-step SLO has two per step). */
function thresholdTable(s: RunSummary, r: Results | undefined): string {
  const list = r?.thresholds ?? s.thresholds ?? [];
  if (list.length === 0) return '<p class="muted">This run had no thresholds.</p>';
  const head = '<thead><tr><th></th><th>metric</th><th>threshold</th></tr></thead>';
  const crossed = list.filter((t) => !t.ok);
  const passed = list.filter((t) => t.ok);
  const out: string[] = [];
  if (crossed.length > 0)
    out.push(`<table class="thresholds" id="crossed">${head}<tbody>${thresholdRows(crossed)}</tbody></table>`);
  if (passed.length > 0) {
    const table = `<table class="thresholds">${head}<tbody>${thresholdRows(passed)}</tbody></table>`;
    out.push(
      passed.length > 6 || crossed.length > 0
        ? `<details><summary>${passed.length} threshold${passed.length === 1 ? '' : 's'} passed</summary>${table}</details>`
        : table,
    );
  }
  return out.join('\n');
}

function sessionBars(s: RunSummary): string {
  const kinds = Object.entries(s.sessions.byKind).sort(([a], [b]) => a.localeCompare(b));
  if (kinds.length === 0) return '<p class="muted">No lifecycle outcomes recorded.</p>';
  const max = Math.max(1, ...kinds.map(([, k]) => k.completed + k.failed));
  const rows = kinds
    .map(([kind, k]) => {
      const total = k.completed + k.failed;
      const w = (n: number): string => `${((100 * n) / max).toFixed(2)}%`;
      return `<div class="bar-row"><span class="bar-label">${esc(kind)}</span><span class="bar" title="${int(k.completed)} completed, ${int(k.failed)} failed"><span class="seg ok" style="width:${w(k.completed)}"></span><span class="seg ko" style="width:${w(k.failed)}"></span></span><span class="bar-value">${int(k.completed)} completed${k.failed > 0 ? `, <span class="ko">${int(k.failed)} failed</span>` : ''} <span class="muted">(${pct(k.failed, total)} failed)</span></span></div>`;
    })
    .join('\n');
  return `<div class="bars" id="sessions-bars">${rows}</div>`;
}

function dl(pairs: [string, string | undefined][]): string {
  return `<dl class="meta">${pairs
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`)
    .join('')}</dl>`;
}

function figure(label: string, value: string, sub = ''): string {
  return `<div class="figure"><div class="label">${esc(label)}</div><div class="value">${value}</div>${sub ? `<div class="sub">${sub}</div>` : ''}</div>`;
}

const CSS = `
:root { --fg:#1d232b; --muted:#66707d; --line:#e3e6ea; --bg:#fff; --panel:#f7f8fa; --good:#1a7f37; --bad:#c62828; --warn:#b26a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; font-weight: 600; }
h2 { font-size: 17px; margin: 32px 0 10px; font-weight: 600; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
h3 { font-size: 14px; margin: 18px 0 6px; font-weight: 600; }
.sub-title { color: var(--muted); margin-bottom: 14px; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; vertical-align: middle; }
.badge.good { background: var(--good); } .badge.bad { background: var(--bad); } .badge.warn { background: var(--warn); } .badge.neutral { background: #7a8593; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
.meta dt { color: var(--muted); } .meta dd { margin: 0; overflow-wrap: anywhere; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 16px 0; }
.figure { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.figure .label { color: var(--muted); font-size: 12px; } .figure .value { font-size: 20px; font-weight: 600; } .figure .sub { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { color: var(--muted); font-weight: 500; font-size: 12px; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.ko { color: var(--bad); } .muted { color: var(--muted); }
.status { display: inline-block; font-size: 12px; padding: 0 5px; border-radius: 4px; background: #eef1f4; margin: 1px 0; }
.status.ko { background: #fdecec; color: var(--bad); }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 14px 18px; }
.chart { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 8px 6px 2px; min-width: 0; }
.chart.wide { grid-column: 1 / -1; }
.chart h3 { margin: 0 6px 4px; }
.chart .note { color: var(--muted); font-size: 12px; margin: 0 6px 4px; }
.bars { display: grid; gap: 6px; max-width: 900px; }
.bar-row { display: grid; grid-template-columns: 170px 1fr 300px; gap: 10px; align-items: center; }
.bar { display: flex; height: 16px; background: #f0f2f4; border-radius: 3px; overflow: hidden; }
.seg.ok { background: #4c9a6a; } .seg.ko { background: #d9534f; }
.bar-label { font-weight: 500; } .bar-value { font-size: 12px; }
details { margin: 8px 0; } summary { cursor: pointer; color: var(--muted); }
pre { background: var(--panel); padding: 10px; border-radius: 6px; overflow: auto; font-size: 12px; }
ul.notes { margin: 0; padding-left: 18px; } ul.notes li { margin: 2px 0; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
.u-legend { font-size: 12px; }
`;

/** The whole report page. */
export function renderReportHtml(input: ReportInput, assets: ReportAssets): string {
  const s = input.summary;
  const r = input.results;
  const v = verdict(s);
  const seconds = s.durationMs / 1000;
  const req = s.requests;
  const engine = s.engine === 'k6' ? 'k6' : 'Node engine';
  const data = r ? chartData(r) : undefined;
  const git = s.git
    ? `<code>${esc(s.git.revision.slice(0, 12))}</code>${s.git.dirty ? ' (with uncommitted changes)' : ''}`
    : undefined;
  const tools = s.tools
    ? Object.entries(s.tools)
        .map(([k, ver]) => `${esc(k)} ${esc(ver)}`)
        .join(', ')
    : undefined;
  const parts = r?.run.parts
    ? r.run.parts
        .map((p) => `${esc(p.runId)}${p.segment ? ` <span class="muted">(${esc(p.segment)})</span>` : ''}`)
        .join(', ')
    : undefined;
  const figures = [
    figure(
      'requests',
      int(req.total),
      `${seconds > 0 ? (req.total / seconds).toFixed(1) : '0'}/s over ${seconds.toFixed(1)} s`,
    ),
    figure(
      'failed',
      `<span class="${req.failed > 0 ? 'ko' : ''}">${pct(req.failed, req.total)}</span>`,
      `${int(req.failed)} requests`,
    ),
    figure('p50', `${fmtMs(req.latency.p50)} ms`),
    figure('p95', `${fmtMs(req.latency.p95)} ms`),
    figure('p99', `${fmtMs(req.latency.p99)} ms`, `max ${fmtMs(req.latency.max)} ms`),
    figure(
      'sessions',
      int(s.sessions.started),
      `${int(s.sessions.completed)} completed, ${int(s.sessions.failed)} failed`,
    ),
  ];
  if (s.lag)
    figures.push(
      figure('lag p99', `${fmtMs(s.lag.p99)} ms`, `waiting p99 ${fmtMs(s.lag.waitingForPredecessor.p99)} ms`),
    );
  const chartSection = data
    ? `<h2>Over time</h2>
<p class="muted">One point per ${data.widthMs >= 60_000 ? `${data.widthMs / 60_000} min` : `${data.widthMs / 1000} s`} slice (by when each request ended). Hover a chart for its values; click a legend entry to hide a line.</p>
<div class="charts" id="charts"></div>`
    : `<h2>Over time</h2><p class="muted">This run folder holds summary.json only (results format 1): it has no time slices to draw. Runs made with this cartload write results.json, and their reports have charts.</p>`;
  const capacity = data?.capacity ? `<h2>Capacity</h2><div class="charts" id="capacity-charts"></div>` : '';
  const notes =
    s.notes && s.notes.length > 0
      ? `<h2>Notes</h2><ul class="notes">${s.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`
      : '';
  const skipped = [
    ...(s.skippedRows ? Object.entries(s.skippedRows).map(([k, n]) => `skipped rows, ${k}: ${int(n)}`) : []),
    ...(s.filteredSteps ? Object.entries(s.filteredSteps).map(([k, n]) => `steps left out, ${k}: ${int(n)}`) : []),
    ...(s.sessions.skippedSteps > 0 ? [`steps not sent after a failed step: ${int(s.sessions.skippedSteps)}`] : []),
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cartload ${esc(s.runId)}: ${esc(s.scenario)}</title>
<style>${assets.uplotCss}</style>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${esc(s.scenario)} <span class="badge ${v.cls}">${esc(v.text)}</span></h1>
<div class="sub-title">cartload run <code>${esc(s.runId)}</code>, ${esc(engine)}, against ${esc(s.target)}</div>
${dl([
  ['started', esc(s.startedAt)],
  ['ended', `${esc(s.endedAt)} (${seconds.toFixed(1)} s)`],
  ['parts', parts],
  ['tools', tools],
  ['git revision', git],
])}
<div class="figures">${figures.join('')}</div>
<h2>Thresholds</h2>
${thresholdTable(s, r)}
${chartSection}
${capacity}
<h2>Lifecycle outcomes</h2>
${sessionBars(s)}
${skipped.length > 0 ? `<p class="muted">${skipped.map(esc).join('; ')}</p>` : ''}
<h2>Per step and endpoint</h2>
${stepTable('Steps', req.byStep)}
${stepTable('Endpoints', req.byEndpoint)}
${notes}
<h2>Options</h2>
<details><summary>The options this run used (secrets removed)</summary><pre>${esc(JSON.stringify(s.options, null, 2))}</pre></details>
<footer>Written by cartload. Percentiles come from the run's latency histograms (within 0.4% of the samples). This file needs no network.</footer>
</main>
<script id="cartload-data" type="application/json">${scriptJson(data ?? null)}</script>
<script>${scriptText(assets.uplotJs)}</script>
<script>${scriptText(assets.clientJs)}</script>
</body>
</html>
`;
}
