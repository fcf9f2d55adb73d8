// A comparison as text (the terminal, CI logs) and as Markdown (a pull-request comment). JSON is
// the Comparison object itself.
import { fmtMs, fmtPct, fmtRel, type Comparison, type MetricComparison } from './compare.ts';

function fmtValue(m: MetricComparison, v: number | null): string {
  if (v === null) return '-';
  switch (m.unit) {
    case 'ms':
      return `${fmtMs(v)} ms`;
    case 'pct':
      return fmtPct(v);
    case 'per-s':
      return `${v.toFixed(1)}/s`;
    default:
      return String(v);
  }
}

function fmtChange(m: MetricComparison): string {
  if (m.change === null) return '-';
  switch (m.unit) {
    case 'ms':
      return `${fmtRel(m.relative)} (${m.change >= 0 ? '+' : ''}${fmtMs(m.change)} ms)`;
    case 'pct':
      return `${m.change >= 0 ? '+' : ''}${m.change.toFixed(2)} pp`;
    case 'per-s':
      return `${m.change >= 0 ? '+' : ''}${m.change.toFixed(1)}/s`;
    default:
      return `${m.change >= 0 ? '+' : ''}${m.change}`;
  }
}

function fmtInterval(m: MetricComparison): string {
  if (!m.interval) return '';
  const [lo, hi] = m.interval;
  return m.unit === 'ms' ? `${fmtMs(lo)}…${fmtMs(hi)} ms` : `${lo.toFixed(2)}…${hi.toFixed(2)} pp`;
}

const verdictText = (m: MetricComparison): string => (m.verdict === 'info' ? '' : m.verdict);

function rows(c: Comparison): string[][] {
  const out: string[][] = [];
  const add = (step: string, ms: MetricComparison[]): void => {
    for (const m of ms)
      out.push([
        step,
        m.metric,
        fmtValue(m, m.baseline),
        fmtValue(m, m.current),
        fmtChange(m),
        fmtInterval(m),
        verdictText(m),
      ]);
  };
  add('(all)', c.overall);
  for (const s of c.steps) {
    if (s.verdict === 'new' || s.verdict === 'missing') {
      const count = s.metrics[0]!;
      out.push([
        s.step,
        'requests',
        fmtValue(count, count.baseline),
        fmtValue(count, count.current),
        '-',
        '',
        s.verdict,
      ]);
    } else add(s.step, s.metrics);
  }
  return out;
}

function settingsLine(c: Comparison): string {
  const s = c.settings;
  return (
    `a change is a regression when it is beyond the floors (${s.percentiles.map((p) => `p${p}`).join('/')} +${(100 * s.maxLatencyIncrease).toFixed(0)}% and +${s.minLatencyIncreaseMs} ms, error rate +${s.maxErrorRateIncrease} pp) ` +
    `and beyond noise (worse in ≥ ${(100 * s.confidence).toFixed(0)}% of ${s.resamples} resamples of the runs' time slices); steps need ${s.minRequests} requests ` +
    `and a percentile ${s.minTail} answers beyond it in both runs`
  );
}

function resultLine(c: Comparison): string {
  if (!c.ok) return `${c.regressions.length} regression${c.regressions.length === 1 ? '' : 's'}`;
  return c.noise.length > 0
    ? `no regression (${c.noise.length} large change${c.noise.length === 1 ? '' : 's'} within the noise)`
    : 'no regression';
}

/** The comparison as an aligned text table, the reasons, and a one-line result. */
export function renderComparison(c: Comparison): string {
  const header = ['step', 'metric', 'baseline', 'current', 'change', 'noise range', 'verdict'];
  const all = [header, ...rows(c)];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    r
      .map((cell, i) => (i >= 2 && i <= 5 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [
    `cartload compare: baseline ${c.baseline.runId} (${c.baseline.engine}, ${c.baseline.scenario}) → current ${c.current.runId} (${c.current.engine}, ${c.current.scenario})`,
    settingsLine(c),
    '',
    ...all.map(line),
    '',
  ];
  for (const w of c.warnings) out.push(`warning: ${w}`);
  for (const n of c.noise) out.push(`noise: ${n}`);
  for (const r of c.regressions) out.push(`regression: ${r}`);
  out.push(`result: ${resultLine(c)}`);
  return `${out.join('\n')}\n`;
}

const md = (s: string): string => s.replace(/\|/g, '\\|').replace(/</g, '&lt;');

/** The comparison as Markdown for a pull-request comment: the verdict first, the figures folded. */
export function renderComparisonMarkdown(c: Comparison): string {
  const short = (g?: string): string => (g ? ` @ \`${g.slice(0, 10)}\`` : '');
  const out: string[] = [];
  out.push(`### cartload compare: ${c.ok ? '✅' : '❌'} ${resultLine(c)}`);
  out.push('');
  out.push(
    `Baseline \`${md(c.baseline.runId)}\`${short(c.baseline.git)} → current \`${md(c.current.runId)}\`${short(c.current.git)} (${md(c.current.engine)}, ${md(c.current.scenario)})`,
  );
  out.push('');
  const judged = c.steps.flatMap((s) =>
    s.metrics
      .filter((m) => m.verdict === 'regression' || m.verdict === 'noise' || m.verdict === 'better')
      .map((m) => ({ step: s.step, m })),
  );
  const overall = c.overall
    .filter((m) => m.verdict === 'regression' || m.verdict === 'noise' || m.verdict === 'better')
    .map((m) => ({ step: '(all)', m }));
  const shown = [...overall, ...judged];
  const changed = c.steps.filter((s) => s.verdict === 'new' || s.verdict === 'missing');
  if (shown.length > 0 || changed.length > 0) {
    out.push('| step | metric | baseline | current | change | verdict | why |');
    out.push('|---|---|--:|--:|--:|---|---|');
    for (const { step, m } of shown) {
      const mark = m.verdict === 'regression' ? '❌ regression' : m.verdict === 'noise' ? '〰️ noise' : '✅ better';
      out.push(
        `| ${md(step)} | ${m.metric} | ${fmtValue(m, m.baseline)} | ${fmtValue(m, m.current)} | ${fmtChange(m)} | ${mark} | ${md(m.why ?? '')} |`,
      );
    }
    for (const s of changed) {
      const count = s.metrics[0]!;
      out.push(
        `| ${md(s.step)} | requests | ${fmtValue(count, count.baseline)} | ${fmtValue(count, count.current)} | - | ❌ ${s.verdict} | the step is in one run only |`,
      );
    }
    out.push('');
  } else {
    out.push('No figure changed beyond the floors.');
    out.push('');
  }
  for (const w of c.warnings) out.push(`> ⚠️ ${md(w)}`);
  if (c.warnings.length > 0) out.push('');
  out.push('<details><summary>All figures</summary>');
  out.push('');
  out.push('| step | metric | baseline | current | change | noise range | verdict |');
  out.push('|---|---|--:|--:|--:|--:|---|');
  for (const r of rows(c)) out.push(`| ${r.map(md).join(' | ')} |`);
  out.push('');
  out.push(`${settingsLine(c)}.`);
  out.push('');
  out.push('</details>');
  return `${out.join('\n')}\n`;
}
