// The run summary (model/summary.ts) as a consumer of the results stream: RunStats counts the
// events; this adds what the run was (run-start), how it ended (run-end), the gate and the notes.
// The run folder is written from it and the results format's own consumer (engine/index.ts).
import { basename } from 'node:path';
import type { ResultsConsumer, ResultsEvent, RunEnd, RunStart } from '../model/results-events.ts';
import { SUMMARY_SCHEMA_VERSION, type RunSummary, type ThresholdResult } from '../model/summary.ts';
import { latencyOf, RunStats } from './stats.ts';

export interface GateOptions {
  /** Fail above this share of failed requests. */
  maxErrorRate?: number;
  /** The k6 scenarios' gate: http_req_failed rate < errorRate, per step p(95) and p(99) under the limits. */
  slo?: { errorRate: number; p95Ms: number; p99Ms: number };
}

/** The thresholds, each with the measured value beside its limit. */
export function gateOf(stats: RunStats, o: GateOptions): ThresholdResult[] | undefined {
  const errorRate = stats.total === 0 ? 0 : stats.failed / stats.total;
  const gate: ThresholdResult[] = [];
  if (o.maxErrorRate !== undefined)
    gate.push({
      metric: 'error_rate',
      expression: `rate<=${o.maxErrorRate}`,
      ok: errorRate <= o.maxErrorRate,
      value: errorRate,
    });
  if (o.slo) {
    gate.push({
      metric: 'http_req_failed',
      expression: `rate<${o.slo.errorRate}`,
      ok: errorRate < o.slo.errorRate,
      value: errorRate,
    });
    for (const [step, st] of Object.entries(stats.steps()).sort()) {
      gate.push({
        metric: `http_req_duration{step:${step}}`,
        expression: `p(95)<${o.slo.p95Ms}`,
        ok: st.latency.p95 < o.slo.p95Ms,
        value: st.latency.p95,
      });
      gate.push({
        metric: `http_req_duration{step:${step}}`,
        expression: `p(99)<${o.slo.p99Ms}`,
        ok: st.latency.p99 < o.slo.p99Ms,
        value: st.latency.p99,
      });
    }
  }
  return gate.length > 0 ? gate : undefined;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** What a reader of the summary should know that the numbers do not say. */
export function notesOf(stats: RunStats, start: RunStart, end: RunEnd, statesFiltered: boolean): string[] {
  const notes = [...start.notes, ...end.notes];
  if (end.stopReason === 'bad-input') notes.push(`stopped by bad input: ${end.message}`);
  if (end.stopReason === 'read-error') notes.push(`stopped by an error while reading: ${end.message}`);
  if (end.stopReason === 'duration')
    notes.push('the duration ended with sessions still running: they were cut (see sessions.completed)');
  if (stats.unsentSteps > 0)
    notes.push(
      `${plural(stats.unsentSteps, 'scheduled step was', 'scheduled steps were')} not sent because the run stopped`,
    );
  if (statesFiltered && stats.sessionsStarted === 0 && (stats.filtered.state ?? 0) > 0) {
    notes.push('--state kept no session: only a session export records final states (a request log has none)');
  }
  if (end.forgottenSessions > 0) {
    const n = end.forgottenSessions;
    notes.push(
      `${plural(n, 'session', 'sessions')} idle for more than ${(end.sessionIdleMs / 60_000).toFixed(0)} min of recorded time ${n === 1 ? 'was' : 'were'} forgotten; a later step of one would count as a new session`,
    );
  }
  if (stats.asRecorded > 0)
    notes.push(`${stats.asRecorded} non-2xx answers repeated the recorded status and were not counted as failures`);
  for (const [kind, n] of Object.entries(stats.noAnswer))
    notes.push(`${plural(n, 'request', 'requests')} got no answer: ${kind}`);
  for (const [key, detail] of stats.failures) notes.push(`first ${key}: ${detail}`);
  return notes;
}

export interface SummaryOptions extends GateOptions {
  /** What the summary calls the run (default: the run-start's scenario, a file's base name). */
  scenario?: string;
  /** --state was given (for the note when it kept nothing). */
  statesFiltered: boolean;
}

/** Counts the stream and, at the end, builds and writes the RunSummary. */
export class SummaryWriter implements ResultsConsumer {
  readonly stats = new RunStats();
  private start: RunStart | undefined;
  private end: RunEnd | undefined;
  /** When the first request went: after the reader put the first step in order. */
  private sendingAt: number | undefined;

  constructor(private readonly o: SummaryOptions) {}

  event(e: ResultsEvent): void {
    this.stats.event(e);
    if (e.type === 'run-start') this.start = e;
    else if (e.type === 'run-end') this.end = e;
    else if (e.type === 'phase' && e.phase === 'sending') this.sendingAt = e.epochMs;
  }

  /** The summary, once the stream has ended; undefined when the run never started. */
  summary(): RunSummary | undefined {
    const { start, end, stats } = this;
    if (!start || !end) return undefined;
    const thresholds = gateOf(stats, this.o);
    const notes = notesOf(stats, start, end, this.o.statesFiltered);
    return {
      tool: 'cartload',
      schemaVersion: SUMMARY_SCHEMA_VERSION,
      engine: 'node',
      runId: start.runId,
      scenario: this.o.scenario ?? (start.scenario === '-' ? start.scenario : basename(start.scenario)),
      startedAt: new Date(start.epochMs).toISOString(),
      endedAt: new Date(end.epochMs).toISOString(),
      durationMs: Math.round(end.epochMs - start.epochMs),
      ...(this.sendingAt !== undefined
        ? {
            sendingStartedAt: new Date(this.sendingAt).toISOString(),
            sendingMs: Math.round(end.epochMs - this.sendingAt),
          }
        : {}),
      target: start.target,
      options: { ...start.options },
      interrupted: end.interrupted,
      requests: this.requests(),
      sessions: {
        started: stats.sessionsStarted,
        completed: stats.sessionsStarted - stats.sessionsFailed - stats.sessionsCut,
        failed: stats.sessionsFailed,
        skippedSteps: stats.skippedSteps,
        byKind: stats.byKind(),
      },
      ...(stats.paced ? { lag: { ...latencyOf(stats.lag), waitingForPredecessor: latencyOf(stats.waiting) } } : {}),
      ...(thresholds ? { thresholds } : {}),
      ...(Object.keys(stats.skippedRows).length > 0 ? { skippedRows: { ...stats.skippedRows } } : {}),
      ...(Object.keys(stats.filtered).length > 0 ? { filteredSteps: { ...stats.filtered } } : {}),
      ...(notes.length > 0 ? { notes } : {}),
    };
  }

  private requests(): RunSummary['requests'] {
    const s = this.stats;
    return {
      total: s.total,
      failed: s.failed,
      conflicts409: s.conflicts409,
      byStatus: { ...s.byStatus },
      byStep: s.steps(),
      byEndpoint: s.endpoints(),
      latency: latencyOf(s.latency),
      ...(s.paced ? { latencyFromIntended: latencyOf(s.fromIntended) } : {}),
    };
  }
}
