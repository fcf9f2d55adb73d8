// One capacity probe with the Node engine: generated lifecycle sessions started at a fixed rate for
// the warm-up and the hold, then stopped (in-flight requests get a short drain). The measurements
// come from the engine's request log (requests.csv: intended, sent and answered times of every
// request), cut to the hold, so the warm-up never counts; the generator's health from its schedule
// lag and its event loop's delay over the probe.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parse } from 'csv-parse/sync';
import {
  GENERATOR_CLOCK_SHARE,
  GENERATOR_LAG_SHARE,
  type CapacityProbe,
  type GeneratorHealth,
} from '../../model/capacity.ts';
import type { SessionPlan } from '../../model/plan.ts';
import { runEngine, type EngineResult } from '../../engine/index.ts';

export interface NodeProbeContext {
  target: string;
  apiKey: string;
  /** Plan of session `index`; indexes run on across probes, so session IDs never repeat. */
  plan: (index: number, filtered: (reason: string, steps: number) => void) => SessionPlan;
  warmupMs: number;
  holdMs: number;
  /** Connections, and the cap on requests in flight. */
  connections: number;
  /** After the hold, in-flight requests get this long to answer before they are cut. */
  drainMs: number;
  /** Folder of the probes' run folders. */
  probesDir: string;
  /** The SLO's p95, ms: the generator's own delays are judged against it. */
  sloP95Ms: number;
  /** Written into each probe's summary.json. */
  options: Record<string, unknown>;
  signal?: AbortSignal;
  hardSignal?: AbortSignal;
}

/** Plans made ahead of a probe, at most (beyond, the engine makes them as it goes). */
const PREPARED_PLANS = 50_000;

interface Row {
  session_id: string;
  status: string;
  intended_ms: string;
  sent_ms: string;
  answered_ms: string;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export interface ProbeWindow {
  rate: number;
  warmupMs: number;
  holdMs: number;
  /** Planned requests of the sessions that started in [fromMs, toMs). */
  planned: (fromMs: number, toMs: number) => number;
}

/**
 * The hold's measurements from request-log rows: latency of the requests sent in the hold, what
 * was answered in the hold, errors and 409s; the p50 of each half of the hold for the trend. A
 * request of the hold left without an answer when the probe was cut after it counts with the time
 * it had waited (a lower bound), not as an error: the probe, not the target, ended it.
 */
export function measureHold(
  rows: readonly Row[],
  w: ProbeWindow,
): Omit<CapacityProbe, 'n' | 'phase' | 'generator' | 'dir'> & { lagP99Ms: number } {
  const start = w.warmupMs;
  const end = w.warmupMs + w.holdMs;
  const mid = start + w.holdMs / 2;
  const latencies: number[] = [];
  const first: number[] = [];
  const second: number[] = [];
  const statuses: Record<string, number> = {};
  let requests = 0;
  let failed = 0;
  let conflicts = 0;
  let okInHold = 0;
  /** Per session of the hold, its first request's send lateness: nothing but the engine delays a first step. */
  const firstSend = new Map<string, { intended: number; sent: number }>();
  /** Per session of the hold: when it started (its first step's intended time) and its last answer. */
  const span = new Map<string, { start: number; last: number; cut: boolean }>();
  for (const r of rows) {
    const sent = Number(r.sent_ms);
    const answered = Number(r.answered_ms);
    const intended = Number(r.intended_ms);
    if (intended >= start && intended < end) {
      const seen = firstSend.get(r.session_id);
      if (seen === undefined || intended < seen.intended || (intended === seen.intended && sent < seen.sent))
        firstSend.set(r.session_id, { intended, sent });
      const sp = span.get(r.session_id);
      const cutHere = r.status === 'error' && answered >= end;
      if (sp === undefined) span.set(r.session_id, { start: intended, last: answered, cut: cutHere });
      else {
        sp.start = Math.min(sp.start, intended);
        sp.last = Math.max(sp.last, answered);
        sp.cut ||= cutHere;
      }
    }
    const ok = r.status.length === 3 && r.status[0] === '2';
    if (ok && answered >= start && answered < end) okInHold++;
    if (!(sent >= start && sent < end)) continue;
    const cut = r.status === 'error' && answered >= end;
    const latency = answered - sent;
    requests++;
    if (!cut) {
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (!ok) failed++;
      if (r.status === '409') conflicts++;
    }
    if (r.status !== 'error' || cut) {
      latencies.push(latency);
      (sent < mid ? first : second).push(latency);
    }
  }
  const lags = [...firstSend.values()].map((f) => f.sent - f.intended);
  for (const a of [latencies, first, second, lags]) a.sort((x, y) => x - y);
  const seconds = w.holdMs / 1000;
  // What was offered to the hold: the requests of the sessions whose answers fall in it. A session
  // is answered over its duration after it starts, so the sessions counted are those that started
  // one typical session duration earlier than the hold; the rate is the same before and during the
  // hold, so this shift changes which sessions are counted, not how many, and it keeps sessions
  // that straddle an edge of the hold from skewing a short probe's count.
  const durations = [...span.values()]
    .filter((x) => !x.cut)
    .map((x) => x.last - x.start)
    .sort((a, b) => a - b);
  const shift = Math.min(w.warmupMs, Math.max(0, percentile(durations, 50)));
  const planned = w.planned(start - shift, end - shift);
  const offeredRequests = planned / seconds;
  const achievedRequests = okInHold / seconds;
  const perSession = planned > 0 ? planned / (w.rate * seconds) : 0;
  return {
    rate: w.rate,
    warmupMs: w.warmupMs,
    holdMs: w.holdMs,
    offered: { sessionsPerSec: w.rate, requestsPerSec: offeredRequests },
    achieved: { requestsPerSec: achievedRequests, sessionsPerSec: perSession > 0 ? achievedRequests / perSession : 0 },
    latency: {
      count: latencies.length,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? 0,
    },
    ...(durations.length > 0 ? { sessionP50Ms: percentile(durations, 50) } : {}),
    ...(first.length > 0 && second.length > 0
      ? { trend: { firstHalfP50: percentile(first, 50), secondHalfP50: percentile(second, 50) } }
      : {}),
    requests,
    failed,
    conflicts409: conflicts,
    statuses,
    lagP99Ms: percentile(lags, 99),
  };
}

export type NodeProbeOutcome = { probe: CapacityProbe } | { unavailable: string } | { badInput: string };

/** Runs one probe; `first` of the run checks the target first (the engine's preflight). */
export function nodeProber(
  ctx: NodeProbeContext,
): (rate: number, phase: CapacityProbe['phase'], n: number, first: boolean) => Promise<NodeProbeOutcome> {
  let nextIndex = 0;
  return async (rate, phase, n, first) => {
    const offset = nextIndex;
    const starts = Math.ceil(((ctx.warmupMs + ctx.holdMs) * rate) / 1000);
    nextIndex += starts;
    // The probe's plans are made before it starts (up to a bound), so that the generator spends
    // its CPU during the probe on sending, not on assembling sessions.
    const made: { plan: SessionPlan; filtered: [string, number][] }[] = [];
    for (let i = 0; i < Math.min(starts, PREPARED_PLANS); i++) {
      const filtered: [string, number][] = [];
      made.push({ plan: ctx.plan(offset + i, (reason, steps) => filtered.push([reason, steps])), filtered });
    }
    const planned: number[] = made.map((m) => m.plan.steps.length);
    const plan = (i: number, filtered: (reason: string, steps: number) => void): SessionPlan => {
      const m = made[i];
      if (m) {
        made[i] = undefined as unknown as (typeof made)[number]; // handed over: let it go with its session
        for (const [reason, steps] of m.filtered) filtered(reason, steps);
        return m.plan;
      }
      const p = ctx.plan(offset + i, filtered);
      planned[i] = p.steps.length;
      return p;
    };
    const id = `probe-${String(n).padStart(2, '0')}-${String(rate).replace('.', '_')}`;
    const holdEnd = new AbortController();
    const drainEnd = new AbortController();
    // Sessions stop starting at the end of the hold; the probe stops a little later, so that the
    // hold's last requests are sent, and its in-flight requests get `drainMs` to answer.
    const timer = setTimeout(() => holdEnd.abort(), ctx.warmupMs + ctx.holdMs + 250);
    const cutter = setTimeout(() => drainEnd.abort(), ctx.warmupMs + ctx.holdMs + 250 + ctx.drainMs);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, holdEnd.signal]) : holdEnd.signal;
    const hardSignal = ctx.hardSignal ? AbortSignal.any([ctx.hardSignal, drainEnd.signal]) : drainEnd.signal;
    // The generator's health is judged over the hold, as the target is: a cold start (JIT,
    // first connections) in the warm-up is not a shortage.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    const watchFrom = setTimeout(() => loop.enable(), ctx.warmupMs);
    const watchTo = setTimeout(() => loop.disable(), ctx.warmupMs + ctx.holdMs);
    let result: EngineResult;
    try {
      result = await runEngine({
        target: ctx.target,
        apiKey: ctx.apiKey,
        input: { kind: 'plans', name: 'capacity', plan, durationMs: ctx.warmupMs + ctx.holdMs },
        timing: { mode: 'rate', rate },
        connections: ctx.connections,
        drainTimeoutMs: ctx.drainMs,
        runId: id,
        resultsDir: ctx.probesDir,
        scenario: 'capacity',
        logRequests: true,
        preflight: first,
        options: { ...ctx.options, rate, warmupMs: ctx.warmupMs, holdMs: ctx.holdMs, probe: n },
        notes: [
          `capacity probe ${n}: ${rate} sessions/s, warm-up ${ctx.warmupMs / 1000} s, hold ${ctx.holdMs / 1000} s`,
        ],
        signal,
        hardSignal,
      });
    } finally {
      clearTimeout(timer);
      clearTimeout(cutter);
      clearTimeout(watchFrom);
      clearTimeout(watchTo);
      loop.disable();
    }
    if (result.outcome === 'unavailable') return { unavailable: result.message ?? 'the target did not answer' };
    if (result.outcome === 'bad-input') return { badInput: result.message ?? 'bad input' };
    const dir = result.dir as string;
    const rows = parse(await readFile(join(dir, 'requests.csv'), 'utf8'), {
      columns: true,
      skip_empty_lines: true,
    }) as Row[];
    // Session i starts at i × 1000 / rate ms.
    const plannedBetween = (fromMs: number, toMs: number): number => {
      let sum = 0;
      for (let i = Math.ceil((fromMs * rate) / 1000); i < Math.ceil((toMs * rate) / 1000); i++) sum += planned[i] ?? 0;
      return sum;
    };
    const measured = measureHold(rows, { rate, warmupMs: ctx.warmupMs, holdMs: ctx.holdMs, planned: plannedBetween });
    const lagP99 = measured.lagP99Ms;
    const loopP99 = loop.count > 0 ? loop.percentile(99) / 1e6 : 0;
    const notes: string[] = [];
    const measuring = loopP99 < GENERATOR_CLOCK_SHARE * ctx.sloP95Ms;
    const delivered = lagP99 < GENERATOR_LAG_SHARE * ctx.sloP95Ms;
    if (!measuring)
      notes.push(
        `the Node engine's event loop was delayed ${loopP99.toFixed(0)} ms (p99): short of CPU, its latencies are not the target's`,
      );
    if (!delivered)
      notes.push(
        `the Node engine sent requests up to ${lagP99.toFixed(0)} ms late (p99 lag): it could not keep the schedule (raise --connections, or give it more CPU)`,
      );
    const generator: GeneratorHealth = {
      delivered,
      measuring,
      droppedSessions: 0,
      lagP99Ms: lagP99,
      eventLoopDelayP99Ms: loopP99,
      notes,
    };
    const interrupted = ctx.signal?.aborted === true;
    const { lagP99Ms: _lag, ...probe } = measured;
    return {
      probe: { n, phase, ...probe, generator, dir: join('probes', id), ...(interrupted ? { interrupted } : {}) },
    };
  };
}
