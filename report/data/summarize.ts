// summary.json from results.json: the figures people read, every percentile computed from the
// histograms (so a merged run's percentiles are those of all its samples, never an average).
// Pure: no Node APIs.
import {
  EMPTY_LATENCY,
  SUMMARY_SCHEMA_VERSION,
  type LatencyStats,
  type RunSummary,
  type StepStats,
} from '../../model/summary.ts';
import { LogHistogram, type EncodedHistogram } from './histogram.ts';
import type { RequestTally, Results } from './format.ts';

const ms = (us: number): number => Math.round(us) / 1000;

/** count, min, mean, p50, p90, p95, p99, max (ms) of a histogram. */
export function latencyStats(h: LogHistogram): LatencyStats {
  if (h.n === 0) return { ...EMPTY_LATENCY };
  return {
    count: h.n,
    min: ms(h.min),
    mean: ms(h.mean()),
    p50: ms(h.quantile(0.5)),
    p90: ms(h.quantile(0.9)),
    p95: ms(h.quantile(0.95)),
    p99: ms(h.quantile(0.99)),
    max: ms(h.max),
  };
}

export const latencyOfEncoded = (e: EncodedHistogram): LatencyStats => latencyStats(LogHistogram.decode(e));

function stepStats(t: RequestTally): StepStats {
  return { count: t.count, failed: t.failed, statuses: { ...t.statuses }, latency: latencyOfEncoded(t.latency) };
}

const mapValues = <A, B>(o: Record<string, A>, f: (a: A) => B): Record<string, B> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

export function summarize(r: Results): RunSummary {
  const run = r.run;
  const c = r.counters;
  const summary: RunSummary = {
    tool: 'cartload',
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    engine: run.engine,
    runId: run.runId,
    kind: run.kind,
    scenario: run.scenario,
    tools: { ...run.tools },
    ...(run.git ? { git: { ...run.git } } : {}),
    ...(run.parts ? { parts: run.parts.map((p) => p.runId) } : {}),
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    durationMs: run.durationMs,
    ...(run.sendingStartedAt !== undefined ? { sendingStartedAt: run.sendingStartedAt } : {}),
    ...(run.sendingMs !== undefined ? { sendingMs: run.sendingMs } : {}),
    target: run.target,
    options: run.options,
    interrupted: run.interrupted,
    requests: {
      total: r.requests.count,
      failed: r.requests.failed,
      conflicts409: r.requests.statuses['409'] ?? 0,
      byStatus: { ...r.requests.statuses },
      byStep: mapValues(r.requests.byStep, stepStats),
      byEndpoint: mapValues(r.requests.byEndpoint, stepStats),
      latency: latencyOfEncoded(r.requests.latency),
      ...(r.requests.fromIntended ? { latencyFromIntended: latencyOfEncoded(r.requests.fromIntended) } : {}),
    },
    sessions: { ...r.sessions, byKind: mapValues(r.sessions.byKind, (k) => ({ ...k })) },
  };
  if (r.lag)
    summary.lag = {
      ...latencyOfEncoded(r.lag.lag),
      waitingForPredecessor: latencyOfEncoded(r.lag.waitingForPredecessor),
    };
  if (c.checksPassed !== undefined || c.checksFailed !== undefined)
    summary.checks = { passes: c.checksPassed ?? 0, fails: c.checksFailed ?? 0 };
  if (r.thresholds.length > 0)
    summary.thresholds = r.thresholds.map(({ metric, expression, ok, value }) => ({
      metric,
      expression,
      ok,
      ...(value !== undefined ? { value } : {}),
    }));
  if (c.rejectedCoupons !== undefined) summary.rejectedCoupons = c.rejectedCoupons;
  if (r.skippedRows) summary.skippedRows = { ...r.skippedRows };
  if (r.filteredSteps) summary.filteredSteps = { ...r.filteredSteps };
  if (r.notes.length > 0) summary.notes = [...r.notes];
  return summary;
}
