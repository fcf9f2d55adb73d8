// Merging runs that split one test between them (k6 instances on execution segments, k6-operator
// runners, replay shards, worker processes) into one run: counts and histograms add, time slices
// line up on the epoch and add, percentiles are recomputed from the merged histograms (never
// averaged), and every threshold is judged again on the merged data where the data can say.
// Pure: no Node APIs.
import { CartloadError } from '../../model/errors.ts';
import { HISTOGRAM_SCHEME, LogHistogram } from './histogram.ts';
import {
  RESULTS_FORMAT,
  RESULTS_VERSION,
  type RequestTally,
  type Results,
  type RunPart,
  type ThresholdRecord,
} from './format.ts';
import { TallyAcc } from './collector.ts';
import { TimelineAcc } from './timeline.ts';
import { evaluateThreshold, thresholdValue } from './thresholds.ts';

export class MergeError extends CartloadError {
  constructor(message: string) {
    super(message, { code: 'E_MERGE' });
  }
}

export interface MergeOptions {
  /** The merged run's ID (default: the first part's ID + "-merged"). */
  runId?: string;
}

/** Options that differ between the parts of one split test by design. */
const PER_PART_OPTIONS = new Set([
  'runId',
  'sessionPrefix',
  'resultsDir',
  'shard',
  'segment',
  'executionSegment',
  'executionSegmentSequence',
  'progress',
  'logRequests',
]);

function segmentOf(options: Record<string, unknown>): string | undefined {
  for (const k of ['executionSegment', 'segment']) if (typeof options[k] === 'string') return options[k] as string;
  const f = options.filters as { shard?: { index: number; count: number } } | undefined;
  if (f?.shard) return `shard ${f.shard.index}/${f.shard.count}`;
  if (typeof options.shard === 'string') return `shard ${options.shard}`;
  return undefined;
}

function addCounts(into: Record<string, number>, from: Record<string, number> | undefined): void {
  for (const [k, v] of Object.entries(from ?? {})) into[k] = (into[k] ?? 0) + v;
}

const sortKeys = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]!]),
  );

function mergeTallies(
  parts: readonly Results[],
  pick: (r: Results) => Record<string, RequestTally>,
): Record<string, RequestTally> {
  const acc = new Map<string, TallyAcc>();
  for (const p of parts) {
    for (const [k, t] of Object.entries(pick(p))) {
      let a = acc.get(k);
      if (!a) acc.set(k, (a = new TallyAcc()));
      a.merge(TallyAcc.decode(t));
    }
  }
  return Object.fromEntries([...acc.keys()].sort().map((k) => [k, acc.get(k)!.encode()]));
}

/** A replay's filters without its shard, which differs between the parts by design. */
function filtersBesidesShard(options: Record<string, unknown>): unknown {
  const f = options.filters as Record<string, unknown> | undefined;
  if (f === undefined) return null;
  const { shard: _shard, ...rest } = f;
  return rest;
}

function differingOptions(parts: readonly Results[]): string[] {
  const keys = new Set(parts.flatMap((p) => Object.keys(p.run.options)));
  const out: string[] = [];
  for (const k of [...keys].sort()) {
    if (PER_PART_OPTIONS.has(k)) continue;
    const of = (p: Results): unknown => (k === 'filters' ? filtersBesidesShard(p.run.options) : p.run.options[k]);
    const values = new Set(parts.map((p) => JSON.stringify(of(p) ?? null)));
    if (values.size > 1) out.push(`${k} (${[...values].join(' / ')})`);
  }
  return out;
}

const shardOfPart = (p: Results): { index: number; count: number } | undefined =>
  (p.run.options.filters as { shard?: { index: number; count: number } } | undefined)?.shard;

/** Replays of one recording by `--shard i/n`: each part read the whole file. */
function shardsOfOneFile(parts: readonly Results[]): boolean {
  const shards = parts.map(shardOfPart);
  return (
    parts.length > 1 &&
    parts.every((p) => p.run.kind === 'recording') &&
    shards.every((s) => s !== undefined && s.count === shards[0]?.count) &&
    new Set(shards.map((s) => s?.index)).size === parts.length
  );
}

/** Filters a replay applies after the shard (engine/sources.ts), and the engine's own: counted per part. */
const AFTER_SHARD = ['state', 'before-from', 'after-to', 'limit', 'dry-not-applicable'];

/**
 * Counts every shard of one file made alike, taken once instead of added: the bad rows and the
 * sample (judged before the shard). The steps left out by the shard are those of the shards no
 * part ran: all the steps one part saw before its shard filter, less what every part kept.
 */
function readOnceCounts(
  parts: readonly Results[],
  skippedRows: Record<string, number>,
  filtered: Record<string, number>,
): void {
  for (const k of Object.keys(skippedRows)) skippedRows[k] = Math.max(...parts.map((p) => p.skippedRows?.[k] ?? 0));
  if (filtered.sample !== undefined) filtered.sample = Math.max(...parts.map((p) => p.filteredSteps?.sample ?? 0));
  const kept = (p: Results): number =>
    p.requests.count + p.sessions.skippedSteps + AFTER_SHARD.reduce((n, k) => n + (p.filteredSteps?.[k] ?? 0), 0);
  const first = parts[0] as Results;
  const seen = kept(first) + (first.filteredSteps?.shard ?? 0);
  const outside = seen - parts.reduce((n, p) => n + kept(p), 0);
  if (outside > 0) filtered.shard = outside;
  else delete filtered.shard;
}

/** One run from the parts of a split test; throws MergeError when they are not parts of one test. */
export function mergeResults(parts: readonly Results[], o: MergeOptions = {}): Results {
  if (parts.length === 0) throw new MergeError('merge needs at least one run');
  const first = parts[0]!;
  const ids = new Set<string>();
  for (const p of parts) {
    if (ids.has(p.run.runId))
      throw new MergeError(`run ${p.run.runId} is given twice: each part of a split test counts once`);
    ids.add(p.run.runId);
    for (const field of ['engine', 'kind', 'scenario'] as const) {
      if (p.run[field] !== first.run[field]) {
        throw new MergeError(
          `runs ${first.run.runId} and ${p.run.runId} differ in ${field} (${first.run[field]} vs ${p.run[field]}): merge combines the parts of one test`,
        );
      }
    }
  }
  const notes: string[] = [`merged from ${parts.length} runs: ${parts.map((p) => p.run.runId).join(', ')}`];
  const differing = differingOptions(parts);
  if (differing.length > 0) notes.push(`the parts ran with different options: ${differing.join(', ')}`);
  const targets = new Set(parts.map((p) => p.run.target));
  if (targets.size > 1) notes.push(`the parts ran against different targets: ${[...targets].join(', ')}`);
  const seenNotes = new Set(notes);
  for (const p of parts) {
    for (const n of p.notes) {
      if (n.startsWith('merged from ')) continue;
      if (!seenNotes.has(n)) {
        seenNotes.add(n);
        notes.push(n);
      }
    }
  }

  // Time: slices line up on the epoch; a part with wider slices makes every part that wide.
  const width = Math.max(...parts.map((p) => p.timeline.widthMs));
  const timeline = new TimelineAcc(width);
  for (const p of parts) {
    const t = TimelineAcc.decode(p.timeline);
    t.coarsen(width);
    for (const s of t.values()) timeline.addSlice(s);
  }

  const overall = new TallyAcc();
  for (const p of parts) overall.merge(TallyAcc.decode(p.requests));
  const fromIntended = parts.some((p) => p.requests.fromIntended) ? new LogHistogram() : undefined;
  const lag = parts.some((p) => p.lag) ? { lag: new LogHistogram(), waiting: new LogHistogram() } : undefined;
  const sessions = {
    started: 0,
    completed: 0,
    failed: 0,
    skippedSteps: 0,
    byKind: {} as Record<string, { completed: number; failed: number }>,
  };
  const counters: Record<string, number> = {};
  const skippedRows: Record<string, number> = {};
  const filteredSteps: Record<string, number> = {};
  for (const p of parts) {
    if (p.requests.fromIntended) fromIntended!.add(LogHistogram.decode(p.requests.fromIntended));
    if (p.lag) {
      lag!.lag.add(LogHistogram.decode(p.lag.lag));
      lag!.waiting.add(LogHistogram.decode(p.lag.waitingForPredecessor));
    }
    for (const k of ['started', 'completed', 'failed', 'skippedSteps'] as const) sessions[k] += p.sessions[k];
    for (const [kind, v] of Object.entries(p.sessions.byKind)) {
      const k = (sessions.byKind[kind] ??= { completed: 0, failed: 0 });
      k.completed += v.completed;
      k.failed += v.failed;
    }
    addCounts(counters, p.counters);
    addCounts(skippedRows, p.skippedRows);
    addCounts(filteredSteps, p.filteredSteps);
  }
  if (parts.some((p) => p.capacity))
    notes.push("the parts held capacity curves: a curve is one run's own and is not merged");

  const start = Math.min(...parts.map((p) => Date.parse(p.run.startedAt)));
  const end = Math.max(...parts.map((p) => Date.parse(p.run.endedAt)));
  const partsInfo: RunPart[] = parts.flatMap((p) =>
    (p.run.parts && p.run.parts.length > 0
      ? p.run.parts
      : [{ runId: p.run.runId, startedAt: p.run.startedAt, endedAt: p.run.endedAt, interrupted: p.run.interrupted }]
    ).map((part) => {
      const segment = part.segment ?? segmentOf(p.run.options);
      return segment ? { ...part, segment } : { ...part };
    }),
  );
  const options = Object.fromEntries(
    Object.entries(first.run.options).filter(([k]) => !PER_PART_OPTIONS.has(k) && k !== 'filters'),
  );
  if (first.run.options.filters !== undefined) {
    const { shard: _shard, ...filters } = first.run.options.filters as Record<string, unknown>;
    options.filters = filters;
  }

  const merged: Results = {
    format: RESULTS_FORMAT,
    version: RESULTS_VERSION,
    run: {
      runId: o.runId ?? `${first.run.runId}-merged`,
      engine: first.run.engine,
      kind: first.run.kind,
      scenario: first.run.scenario,
      target: first.run.target,
      options,
      tools: { ...first.run.tools },
      ...(first.run.git ? { git: { ...first.run.git } } : {}),
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(end).toISOString(),
      durationMs: end - start,
      interrupted: parts.some((p) => p.run.interrupted),
      parts: partsInfo,
    },
    histogram: HISTOGRAM_SCHEME,
    requests: {
      ...overall.encode(),
      byStep: mergeTallies(parts, (p) => p.requests.byStep),
      byEndpoint: mergeTallies(parts, (p) => p.requests.byEndpoint),
      ...(fromIntended ? { fromIntended: fromIntended.encode() } : {}),
    },
    sessions: { ...sessions, byKind: sortKeys(sessions.byKind) },
    counters: sortKeys(counters),
    thresholds: [],
    timeline: timeline.encode(),
    notes,
  };
  if (lag) merged.lag = { lag: lag.lag.encode(), waitingForPredecessor: lag.waiting.encode() };
  if (shardsOfOneFile(parts)) readOnceCounts(parts, skippedRows, filteredSteps);
  if (Object.keys(skippedRows).length > 0) merged.skippedRows = sortKeys(skippedRows);
  if (Object.keys(filteredSteps).length > 0) merged.filteredSteps = sortKeys(filteredSteps);
  merged.thresholds = mergeThresholds(parts, merged);
  return merged;
}

/** Every threshold of any part, judged again on the merged results; where they cannot say, the run passes only if every part did. */
function mergeThresholds(parts: readonly Results[], merged: Results): ThresholdRecord[] {
  const byKey = new Map<string, { metric: string; expression: string; oks: boolean[] }>();
  for (const p of parts) {
    for (const t of p.thresholds) {
      const key = `${t.metric}\u0000${t.expression}`;
      const e = byKey.get(key) ?? { metric: t.metric, expression: t.expression, oks: [] };
      e.oks.push(t.ok);
      byKey.set(key, e);
    }
  }
  return [...byKey.values()].map(({ metric, expression, oks }) => {
    const ok = evaluateThreshold(merged, metric, expression);
    if (ok === undefined) return { metric, expression, ok: oks.every(Boolean), recomputed: false };
    const value = thresholdValue(merged, metric, expression);
    return {
      metric,
      expression,
      ok,
      ...(value !== undefined && Number.isFinite(value) ? { value } : {}),
      recomputed: true,
    };
  });
}
