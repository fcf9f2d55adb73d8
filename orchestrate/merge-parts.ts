// Merges the run folders of the parts of one run (k6 instances over execution segments, replay
// workers over shards) into the run's folder: one summary and one verdict. Every caller goes
// through mergeParts, the one place that combines parts.
//
// Parts that hold results.json (the results format with latency histograms, which cartload writes
// beside every summary) merge exactly through the results library (report/data/merge.ts):
// counts and histograms added, percentiles recomputed, thresholds judged again.
//
// A part with summary.json alone (k6 that left no metric stream) merges by its figures. Then
// counts are exact, and so are min, max and mean latency; the percentiles are not, since the
// percentile of a union lies between the parts'. The merged percentile is the highest part's, an
// upper bound, and the merged summary says so. The failed-request rate and the checks' pass rate
// are judged again on the merged counts; any other threshold passes when it passed in every part
// (for `p(N)<x`, that implies it passes on the union).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EMPTY_LATENCY,
  type LatencyStats,
  type RunSummary,
  type StepStats,
  type ThresholdResult,
} from '../model/summary.ts';
import { CartloadError } from '../model/errors.ts';
import { mergeResults } from '../report/data/merge.ts';
import { readRun } from '../report/read.ts';
import { writeRunFolder, writeSummary } from '../report/write.ts';

export class MergeError extends CartloadError {
  override name = 'MergeError';
}

export interface MergePartsOptions {
  /** The run folders of the parts (each holds summary.json). */
  parts: string[];
  /** The merged run's folder (created by the caller; summary.json and summary.txt are written there). */
  dir: string;
  runId: string;
  /** Notes for the merged summary (how the parts were made). */
  notes?: string[];
}

export interface MergePartsResult {
  dir: string;
  summary: RunSummary;
  /** Every merged threshold passed. */
  ok: boolean;
}

async function readPart(dir: string): Promise<RunSummary> {
  const file = join(dir, 'summary.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new MergeError(`${file}: missing (did that part run to its end?)`);
  }
  let s: RunSummary;
  try {
    s = JSON.parse(text) as RunSummary;
  } catch (err) {
    throw new MergeError(`${file}: not JSON (${(err as Error).message})`);
  }
  if (s?.tool !== 'cartload' || typeof s.requests?.total !== 'number')
    throw new MergeError(`${file}: not a cartload summary.json`);
  return s;
}

function addCounts(into: Record<string, number>, from: Record<string, number> | undefined): Record<string, number> {
  for (const [k, n] of Object.entries(from ?? {})) into[k] = (into[k] ?? 0) + n;
  return into;
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/** Counts, min, max and mean exactly; percentiles as the highest part's (an upper bound). */
function mergeLatency(parts: (LatencyStats | undefined)[]): LatencyStats {
  const xs = parts.filter((l): l is LatencyStats => l !== undefined && l.count > 0);
  if (xs.length === 0) return { ...EMPTY_LATENCY };
  const count = xs.reduce((a, l) => a + l.count, 0);
  const top = (k: 'p50' | 'p90' | 'p95' | 'p99'): number => Math.max(...xs.map((l) => l[k]));
  return {
    count,
    min: Math.min(...xs.map((l) => l.min)),
    mean: round3(xs.reduce((a, l) => a + l.mean * l.count, 0) / count),
    p50: top('p50'),
    p90: top('p90'),
    p95: top('p95'),
    p99: top('p99'),
    max: Math.max(...xs.map((l) => l.max)),
  };
}

function mergeSteps(parts: Record<string, StepStats>[]): Record<string, StepStats> {
  const names = [...new Set(parts.flatMap((p) => Object.keys(p)))].sort();
  const out: Record<string, StepStats> = {};
  for (const name of names) {
    const xs = parts.map((p) => p[name]).filter((s): s is StepStats => s !== undefined);
    out[name] = {
      count: xs.reduce((a, s) => a + s.count, 0),
      statuses: xs.reduce((a, s) => addCounts(a, s.statuses), {} as Record<string, number>),
      latency: mergeLatency(xs.map((s) => s.latency)),
    };
  }
  return out;
}

const RATE = /^rate\s*(<=|<|>=|>|==)\s*(\d+(?:\.\d+)?)$/;

function compare(value: number, op: string, limit: number): boolean {
  switch (op) {
    case '<=':
      return value <= limit;
    case '<':
      return value < limit;
    case '>=':
      return value >= limit;
    case '>':
      return value > limit;
    default:
      return value === limit;
  }
}

/**
 * A threshold the merged counts decide exactly: the failed-request rate (k6's http_req_failed,
 * the Node engine's error_rate) and the checks' pass rate. Undefined for the others.
 */
function exactly(t: ThresholdResult, m: RunSummary): boolean | undefined {
  const rate = RATE.exec(t.expression);
  if (!rate) return undefined;
  const [, op, limit] = rate as unknown as [string, string, string];
  if (t.metric === 'http_req_failed' || t.metric === 'error_rate')
    return compare(m.requests.total === 0 ? 0 : m.requests.failed / m.requests.total, op, Number(limit));
  if (t.metric === 'checks' && m.checks) {
    const n = m.checks.passes + m.checks.fails;
    return compare(n === 0 ? 0 : m.checks.passes / n, op, Number(limit));
  }
  return undefined;
}

/** One result per (metric, expression): decided from the merged counts where they decide it, else failed if any part failed it. */
function mergeThresholds(parts: RunSummary[], merged: RunSummary): ThresholdResult[] | undefined {
  const byKey = new Map<string, ThresholdResult>();
  for (const p of parts) {
    for (const t of p.thresholds ?? []) {
      const key = `${t.metric}\u0000${t.expression}`;
      const seen = byKey.get(key);
      byKey.set(key, seen ? { ...seen, ok: seen.ok && t.ok } : { ...t });
    }
  }
  if (byKey.size === 0) return undefined;
  return [...byKey.values()].map((t) => ({ ...t, ok: exactly(t, merged) ?? t.ok }));
}

/** The merged summary of parts of one run, in the order given. */
export function mergeSummaries(parts: RunSummary[], runId: string, notes: string[] = []): RunSummary {
  if (parts.length === 0) throw new MergeError('nothing to merge: no parts');
  const first = parts[0] as RunSummary;
  const scenarios = new Set(parts.map((p) => p.scenario));
  if (scenarios.size > 1)
    throw new MergeError(`the parts ran different things (${[...scenarios].join(', ')}): merge parts of one run only`);
  const startedAt = parts.map((p) => p.startedAt).sort()[0] as string;
  const endedAt = parts
    .map((p) => p.endedAt)
    .sort()
    .at(-1) as string;
  const sum = (f: (p: RunSummary) => number | undefined): number => parts.reduce((a, p) => a + (f(p) ?? 0), 0);
  const byKind: Record<string, { completed: number; failed: number }> = {};
  for (const p of parts) {
    for (const [kind, k] of Object.entries(p.sessions.byKind)) {
      const into = (byKind[kind] ??= { completed: 0, failed: 0 });
      into.completed += k.completed;
      into.failed += k.failed;
    }
  }
  const withChecks = parts.filter((p) => p.checks !== undefined);
  const lagged = parts.filter((p) => p.lag !== undefined);
  const fromIntended = parts.map((p) => p.requests.latencyFromIntended).filter((l) => l !== undefined);
  const skippedRows = parts.reduce((a, p) => addCounts(a, p.skippedRows), {} as Record<string, number>);
  const filteredSteps = parts.reduce((a, p) => addCounts(a, p.filteredSteps), {} as Record<string, number>);
  const partNotes = parts.flatMap((p, i) => (p.notes ?? []).map((n) => `part ${i + 1} (${p.runId}): ${n}`));
  const merged: RunSummary = {
    tool: 'cartload',
    schemaVersion: first.schemaVersion,
    engine: first.engine,
    runId,
    scenario: first.scenario,
    startedAt,
    endedAt,
    durationMs: Math.max(0, Date.parse(endedAt) - Date.parse(startedAt)),
    target: first.target,
    options: { ...first.options, parts: parts.map((p) => p.runId) },
    interrupted: parts.some((p) => p.interrupted),
    requests: {
      total: sum((p) => p.requests.total),
      failed: sum((p) => p.requests.failed),
      conflicts409: sum((p) => p.requests.conflicts409),
      byStatus: parts.reduce((a, p) => addCounts(a, p.requests.byStatus), {} as Record<string, number>),
      byStep: mergeSteps(parts.map((p) => p.requests.byStep)),
      byEndpoint: mergeSteps(parts.map((p) => p.requests.byEndpoint)),
      latency: mergeLatency(parts.map((p) => p.requests.latency)),
      ...(fromIntended.length > 0 ? { latencyFromIntended: mergeLatency(fromIntended) } : {}),
    },
    sessions: {
      started: sum((p) => p.sessions.started),
      completed: sum((p) => p.sessions.completed),
      failed: sum((p) => p.sessions.failed),
      skippedSteps: sum((p) => p.sessions.skippedSteps),
      byKind,
    },
    ...(lagged.length > 0
      ? {
          lag: {
            ...mergeLatency(lagged.map((p) => p.lag)),
            waitingForPredecessor: mergeLatency(lagged.map((p) => p.lag?.waitingForPredecessor)),
          },
        }
      : {}),
    ...(withChecks.length > 0
      ? { checks: { passes: sum((p) => p.checks?.passes), fails: sum((p) => p.checks?.fails) } }
      : {}),
    ...(parts.some((p) => p.rejectedCoupons !== undefined) ? { rejectedCoupons: sum((p) => p.rejectedCoupons) } : {}),
    ...(Object.keys(skippedRows).length > 0 ? { skippedRows } : {}),
    ...(Object.keys(filteredSteps).length > 0 ? { filteredSteps } : {}),
    notes: [
      ...notes,
      `merged from ${parts.length} parts (${parts.map((p) => p.runId).join(', ')}): counts, min, mean and max are exact; p50-p99 are the highest part's, an upper bound of the whole run's; the failed-request and check rates are judged on the merged counts, any other threshold fails when it failed in any part`,
      ...partNotes,
    ],
  };
  const thresholds = mergeThresholds(parts, merged);
  if (thresholds) merged.thresholds = thresholds;
  return merged;
}

/** Reads the parts, writes the merged run (results.json, summary.json, summary.txt, ...) into `dir`. */
export async function mergeParts(o: MergePartsOptions): Promise<MergePartsResult> {
  const views = await Promise.all(
    o.parts.map(async (p) => ({ dir: p, view: await readRun(p).catch(() => undefined) })),
  );
  const exact = views.every((v) => v.view?.results !== undefined);
  if (exact) {
    const merged = mergeResults(
      views.map((v) => v.view?.results as NonNullable<NonNullable<(typeof v)['view']>['results']>),
      { runId: o.runId },
    );
    merged.notes = [...(o.notes ?? []), ...merged.notes];
    const { summary } = await writeRunFolder(o.dir, merged);
    return { dir: o.dir, summary, ok: merged.thresholds.every((t) => t.ok) };
  }
  const parts = await Promise.all(o.parts.map(readPart));
  const summary = mergeSummaries(parts, o.runId, o.notes);
  await writeSummary(o.dir, summary);
  return { dir: o.dir, summary, ok: (summary.thresholds ?? []).every((t) => t.ok) };
}
