// The capacity measurements of a k6 run: one probe per capacity step (tag `stage` = the step's
// rate), read from handleSummary's data, and the capacity report over them (model/capacity.ts).
// The same function reads a `cartload capacity` probe (one step after a warm-up) and a staircase
// run of dist/capacity.js (many steps). Pure: no k6 imports.
import {
  CAPACITY_SCHEMA_VERSION,
  capacityReport,
  GENERATOR_CLOCK_SHARE,
  GENERATOR_LAG_SHARE,
  type CapacityFile,
  type CapacityProbe,
  type CapacitySlo,
  type GeneratorHealth,
} from '../../model/capacity.ts';
import { redact } from '../../model/summary.ts';
import { renderCapacityText } from '../../report/capacity.ts';
import { publicConfig, type ScenarioConfig } from './config.ts';
import type { K6Metric, K6SummaryData } from './k6-summary.ts';
import { durationMs } from '../../model/duration.ts';
import type { CapacityStep } from './load.ts';
import { METRICS } from './metric-names.ts';

/** What k6's summary cannot show of the load generator: said once in every k6 capacity report. */
export const K6_CAPACITY_NOTE =
  "k6's own CPU is not in its summary: a k6 short of CPU shows as latency (keep it well under full load)";

function num(m: K6Metric | undefined, key: string): number {
  const v = m?.values[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/**
 * Per step that ran: its measurements as a capacity probe. `maxVUs` is the scenario's limit; `slo`
 * the run's, against which k6's own lateness is judged (without it, k6 is taken to have kept time).
 */
export function probesFromK6Summary(
  data: K6SummaryData,
  steps: readonly CapacityStep[],
  maxVUs?: number,
  slo?: CapacitySlo,
): CapacityProbe[] {
  const m = data.metrics;
  const probes: CapacityProbe[] = [];
  const dropped = num(m.dropped_iterations, 'count');
  const vusMax = num(m.vus_max, 'max') || num(m.vus_max, 'value');
  const single = steps.length === 1;
  const seconds = data.state.testRunDurationMs / 1000;
  for (const s of steps) {
    const tag = `stage:${s.rate}`;
    const d = m[`http_req_duration{${tag}}`];
    const f = m[`http_req_failed{${tag}}`];
    const iterations = num(m[`iterations{${tag}}`], 'count');
    const requests = num(m[`http_reqs{${tag}}`], 'count') || num(d, 'count') || num(f, 'passes') + num(f, 'fails');
    if (requests === 0 && iterations === 0) break; // the run ended before this step
    const holdMs = durationMs(s.hold);
    const stepSessions = iterations / (holdMs / 1000);
    let offered: CapacityProbe['offered'];
    let achieved: CapacityProbe['achieved'];
    const answeredInHold = m[`${METRICS.answered}{answered_in:${s.rate}}`];
    const perSession = iterations > 0 ? requests / iterations : 0;
    if (answeredInHold) {
      // What the target served: the answers that came during the hold, from any session; what
      // was offered: the step's rate of sessions, of the requests its sessions made on average.
      const served = num(answeredInHold, 'count') / (holdMs / 1000);
      offered = { sessionsPerSec: s.rate, requestsPerSec: s.rate * perSession };
      achieved = { requestsPerSec: served, sessionsPerSec: perSession > 0 ? served / perSession : 0 };
    } else if (single) {
      // Written before answers were counted by their time: every request of a one-step run was
      // sent at its rate, so the run's requests over its duration is what the target served.
      const served = seconds > 0 ? num(m.http_reqs, 'count') / seconds : 0;
      offered = { sessionsPerSec: s.rate, requestsPerSec: s.rate * perSession };
      achieved = { requestsPerSec: served, sessionsPerSec: perSession > 0 ? served / perSession : 0 };
    } else {
      // Steps of a staircase share one run: a step's requests over its hold is what k6 delivered,
      // and a target past its limit still answers them, late; their latency shows the limit.
      offered = { sessionsPerSec: s.rate, requestsPerSec: requests / (holdMs / 1000) };
      achieved = { sessionsPerSec: stepSessions, requestsPerSec: requests / (holdMs / 1000) };
    }
    const notes: string[] = [];
    // Dropped iterations are counted for the whole run: in a staircase, a step that finished its
    // sessions at its rate was not short of VUs.
    const short = dropped > 0 && (single || stepSessions < 0.95 * s.rate);
    if (short)
      notes.push(
        `k6 dropped ${dropped} sessions for want of a free VU (${vusMax} VUs in use at most${maxVUs ? ` of MAX_VUS ${maxVUs}` : ''})`,
      );
    const lag = m[`${METRICS.startLag}{${tag}}`];
    const lagP99 = num(lag, 'p(99)');
    const late = slo !== undefined && lagP99 >= GENERATOR_LAG_SHARE * slo.p95Ms;
    const measuring = slo === undefined || lagP99 < GENERATOR_CLOCK_SHARE * slo.p95Ms;
    if (!measuring || late)
      notes.push(
        `k6 started sessions up to ${lagP99.toFixed(0)} ms late (p99): short of CPU, its latencies are not the target's`,
      );
    const generator: GeneratorHealth = {
      delivered: !short && !late,
      measuring,
      droppedSessions: dropped,
      ...(lag ? { lagP99Ms: lagP99 } : {}),
      vusMax,
      ...(maxVUs ? { maxVUs } : {}),
      notes,
    };
    const h1 = m[`http_req_duration{${tag},half:1}`];
    const h2 = m[`http_req_duration{${tag},half:2}`];
    const statuses: Record<string, number> = {};
    if (single) {
      for (const [k, v] of Object.entries(m)) {
        const st = /^http_reqs\{status:(\d+)\}$/.exec(k)?.[1];
        if (st !== undefined && num(v, 'count') > 0) statuses[st === '0' ? 'error' : st] = num(v, 'count');
      }
    }
    probes.push({
      n: probes.length + 1,
      phase: 'coarse',
      rate: s.rate,
      warmupMs: s.warmup ? durationMs(s.ramp) : 0,
      holdMs,
      offered,
      achieved,
      latency: {
        count: num(d, 'count'),
        p50: num(d, 'med'),
        p95: num(d, 'p(95)'),
        p99: num(d, 'p(99)'),
        max: num(d, 'max'),
      },
      ...(num(m[`iteration_duration{${tag}}`], 'med') > 0
        ? { sessionP50Ms: num(m[`iteration_duration{${tag}}`], 'med') }
        : {}),
      ...(num(h1, 'count') > 0 && num(h2, 'count') > 0
        ? { trend: { firstHalfP50: num(h1, 'med'), secondHalfP50: num(h2, 'med') } }
        : {}),
      requests,
      failed: num(f, 'passes'),
      conflicts409: num(m[`${METRICS.conflicts}{${tag}}`], 'count'),
      statuses,
      generator,
    });
  }
  return probes;
}

/** The capacity scenario's addition to handleSummary: the table, the chart, the verdict, and capacity.json. */
export function capacitySummary(
  data: K6SummaryData,
  steps: CapacityStep[],
  config: ScenarioConfig,
  o: { maxVUs?: number; now?: Date } = {},
): { text: string; notes: string[]; files: Record<string, string> } {
  const slo: CapacitySlo = { ...config.slo };
  const probes = probesFromK6Summary(data, steps, o.maxVUs, slo);
  const report = capacityReport(probes, slo);
  const end = o.now ?? new Date();
  const file: CapacityFile & { steps: CapacityStep[] } = {
    tool: 'cartload',
    kind: 'capacity',
    schemaVersion: CAPACITY_SCHEMA_VERSION,
    engine: 'k6',
    runId: config.runId ?? '',
    target: config.baseUrl,
    startedAt: new Date(end.getTime() - data.state.testRunDurationMs).toISOString(),
    endedAt: end.toISOString(),
    options: redact(publicConfig(config)),
    slo,
    probes,
    stoppedBy: 'staircase',
    report,
    // The steps as run, so that the probes can be read again from k6-summary.json.
    steps,
  };
  const text = renderCapacityText({ probes, report, notes: [K6_CAPACITY_NOTE] });
  return {
    text,
    notes: [`capacity: ${report.verdict}`],
    files: { 'capacity.json': `${JSON.stringify(file, null, 2)}\n` },
  };
}
