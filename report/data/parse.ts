// Reading results.json and summary.json back, checked field by field: a file this version cannot
// read fails with one line naming the file, the field and, for another version, the version
// needed. Pure: the caller reads the file.
import { CartloadError } from '../../model/errors.ts';
import { SUMMARY_SCHEMA_VERSION, type RunSummary } from '../../model/summary.ts';
import { LogHistogram, SUB_BUCKETS } from './histogram.ts';
import { RESULTS_FORMAT, RESULTS_VERSION, TIMELINE_WIDTHS_MS, type Results } from './format.ts';

export class ResultsFileError extends CartloadError {
  constructor(message: string) {
    super(message, { code: 'E_RESULTS' });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function need(cond: boolean, file: string, field: string, expected: string): asserts cond {
  if (!cond) throw new ResultsFileError(`${file}: ${field}: ${expected}`);
}

function histogram(v: unknown, file: string, field: string): void {
  need(isObject(v), file, field, 'must be a histogram { n, min, max, sum, b }');
  try {
    LogHistogram.decode(v as never);
  } catch (err) {
    throw new ResultsFileError(`${file}: ${field}: ${(err as Error).message}`);
  }
}

function counts(v: unknown, file: string, field: string): void {
  need(isObject(v), file, field, 'must be an object of counts');
  for (const [k, n] of Object.entries(v))
    need(typeof n === 'number' && n >= 0, file, `${field}.${k}`, 'must be a number ≥ 0');
}

function tally(v: unknown, file: string, field: string): void {
  need(isObject(v), file, field, 'must be an object { count, failed, statuses, latency }');
  need(typeof v.count === 'number', file, `${field}.count`, 'must be a number');
  need(typeof v.failed === 'number', file, `${field}.failed`, 'must be a number');
  counts(v.statuses, file, `${field}.statuses`);
  histogram(v.latency, file, `${field}.latency`);
}

/** Checks a parsed results.json; throws ResultsFileError naming the file and the field. */
export function parseResults(data: unknown, file: string): Results {
  need(isObject(data), file, '(top level)', 'not a cartload results.json (expected a JSON object)');
  if (data.tool === 'cartload' && 'schemaVersion' in data) {
    throw new ResultsFileError(
      `${file}: this is a summary.json (results format 1); results.json (results format ${RESULTS_VERSION}) is needed`,
    );
  }
  need(
    data.format === RESULTS_FORMAT,
    file,
    'format',
    `not a cartload results.json (expected "${RESULTS_FORMAT}", found ${JSON.stringify(data.format)})`,
  );
  need(
    data.version === RESULTS_VERSION,
    file,
    'version',
    typeof data.version === 'number' && data.version > RESULTS_VERSION
      ? `is ${data.version}: written by a newer cartload; this one reads results format ${RESULTS_VERSION} (upgrade cartload)`
      : `is ${JSON.stringify(data.version)}; this cartload reads results format ${RESULTS_VERSION}`,
  );
  const run = data.run;
  need(isObject(run), file, 'run', 'must be an object');
  for (const k of ['runId', 'scenario', 'target', 'startedAt', 'endedAt'] as const)
    need(typeof run[k] === 'string', file, `run.${k}`, 'must be a string');
  need(
    run.engine === 'k6' || run.engine === 'node',
    file,
    'run.engine',
    `must be "k6" or "node" (found ${JSON.stringify(run.engine)})`,
  );
  need(run.kind === 'scenario' || run.kind === 'recording', file, 'run.kind', 'must be "scenario" or "recording"');
  need(typeof run.durationMs === 'number', file, 'run.durationMs', 'must be a number');
  need(typeof run.interrupted === 'boolean', file, 'run.interrupted', 'must be true or false');
  need(isObject(run.options), file, 'run.options', 'must be an object');
  need(isObject(run.tools), file, 'run.tools', 'must be an object');
  const h = data.histogram;
  need(
    isObject(h) && h.scheme === 'log-linear' && h.unit === 'us' && h.subBuckets === SUB_BUCKETS,
    file,
    'histogram',
    `must be { scheme: "log-linear", unit: "us", subBuckets: ${SUB_BUCKETS} }`,
  );
  const r = data.requests;
  tally(r, file, 'requests');
  const req = r as Record<string, unknown>;
  for (const k of ['byStep', 'byEndpoint'] as const) {
    need(isObject(req[k]), file, `requests.${k}`, 'must be an object');
    for (const [name, t] of Object.entries(req[k] as object)) tally(t, file, `requests.${k}.${name}`);
  }
  if (req.fromIntended !== undefined) histogram(req.fromIntended, file, 'requests.fromIntended');
  if (data.lag !== undefined) {
    need(isObject(data.lag), file, 'lag', 'must be an object { lag, waitingForPredecessor }');
    histogram(data.lag.lag, file, 'lag.lag');
    histogram(data.lag.waitingForPredecessor, file, 'lag.waitingForPredecessor');
  }
  const s = data.sessions;
  need(isObject(s), file, 'sessions', 'must be an object');
  for (const k of ['started', 'completed', 'failed', 'skippedSteps'] as const)
    need(typeof s[k] === 'number', file, `sessions.${k}`, 'must be a number');
  need(isObject(s.byKind), file, 'sessions.byKind', 'must be an object');
  counts(data.counters, file, 'counters');
  need(Array.isArray(data.thresholds), file, 'thresholds', 'must be a list');
  data.thresholds.forEach((t: unknown, i: number) => {
    need(
      isObject(t) && typeof t.metric === 'string' && typeof t.expression === 'string' && typeof t.ok === 'boolean',
      file,
      `thresholds[${i}]`,
      'must be { metric, expression, ok }',
    );
  });
  const tl = data.timeline;
  need(isObject(tl), file, 'timeline', 'must be an object { widthMs, slices }');
  need(
    (TIMELINE_WIDTHS_MS as readonly unknown[]).includes(tl.widthMs),
    file,
    'timeline.widthMs',
    `must be one of ${TIMELINE_WIDTHS_MS.join(', ')}`,
  );
  need(Array.isArray(tl.slices), file, 'timeline.slices', 'must be a list');
  tl.slices.forEach((sl: unknown, i: number) => {
    const f = `timeline.slices[${i}]`;
    need(
      isObject(sl) && typeof sl.t === 'number' && sl.t % (tl.widthMs as number) === 0,
      file,
      `${f}.t`,
      'must be a slice start (a multiple of widthMs)',
    );
    need(isObject(sl.steps), file, `${f}.steps`, 'must be an object');
    for (const [name, st] of Object.entries(sl.steps)) {
      need(
        isObject(st) && typeof st.n === 'number' && typeof st.failed === 'number',
        file,
        `${f}.steps.${name}`,
        'must be { n, failed, latency }',
      );
      histogram(st.latency, file, `${f}.steps.${name}.latency`);
    }
    if (sl.lag !== undefined) histogram(sl.lag, file, `${f}.lag`);
    if (sl.waiting !== undefined) histogram(sl.waiting, file, `${f}.waiting`);
  });
  need(Array.isArray(data.notes), file, 'notes', 'must be a list');
  return data as unknown as Results;
}

function checkLatency(v: unknown, file: string, field: string): void {
  need(isObject(v), file, field, 'must be a latency object { count, p50, p95, p99, … }');
  for (const k of ['p50', 'p95', 'p99'] as const)
    need(typeof v[k] === 'number' && Number.isFinite(v[k]), file, `${field}.${k}`, 'must be a number');
}

/**
 * Checks a parsed summary.json (schemaVersion 1 or 2) and returns it as version 2: version 1's
 * engine "replay" is "node", and per-step `failed` is filled from the non-2xx statuses.
 */
export function parseSummary(data: unknown, file: string): RunSummary {
  need(isObject(data), file, '(top level)', 'not a cartload summary.json (expected a JSON object)');
  if (data.format === RESULTS_FORMAT) throw new ResultsFileError(`${file}: this is a results.json, not a summary.json`);
  need(
    data.tool === 'cartload',
    file,
    'tool',
    `not a cartload summary.json (expected "cartload", found ${JSON.stringify(data.tool)})`,
  );
  need(
    data.schemaVersion === 1 || data.schemaVersion === SUMMARY_SCHEMA_VERSION,
    file,
    'schemaVersion',
    typeof data.schemaVersion === 'number' && data.schemaVersion > SUMMARY_SCHEMA_VERSION
      ? `is ${data.schemaVersion}: written by a newer cartload; this one reads schemaVersion 1 and ${SUMMARY_SCHEMA_VERSION} (upgrade cartload)`
      : `is ${JSON.stringify(data.schemaVersion)}; this cartload reads schemaVersion 1 and ${SUMMARY_SCHEMA_VERSION}`,
  );
  for (const k of ['engine', 'runId', 'scenario', 'target'] as const)
    need(typeof data[k] === 'string', file, k, 'must be a string');
  need(typeof data.durationMs === 'number', file, 'durationMs', 'must be a number');
  need(isObject(data.options), file, 'options', 'must be an object');
  const r = data.requests;
  need(isObject(r), file, 'requests', 'must be an object');
  for (const k of ['total', 'failed', 'conflicts409'] as const)
    need(typeof r[k] === 'number', file, `requests.${k}`, 'must be a number');
  checkLatency(r.latency, file, 'requests.latency');
  need(isObject(r.byStep), file, 'requests.byStep', 'must be an object');
  for (const [step, st] of Object.entries(r.byStep)) {
    const f = `requests.byStep.${step}`;
    need(isObject(st), file, f, 'must be an object { count, statuses, latency }');
    need(typeof st.count === 'number', file, `${f}.count`, 'must be a number');
    need(isObject(st.statuses), file, `${f}.statuses`, 'must be an object');
    checkLatency(st.latency, file, `${f}.latency`);
  }
  need(
    isObject(data.sessions) && typeof data.sessions.failed === 'number',
    file,
    'sessions.failed',
    'must be a number',
  );
  const summary = data as unknown as RunSummary;
  if (data.schemaVersion === 1) {
    const upgraded: RunSummary = {
      ...summary,
      schemaVersion: SUMMARY_SCHEMA_VERSION,
      engine: (summary.engine as string) === 'k6' || (summary.engine as string) === 'harness' ? 'k6' : 'node',
    };
    for (const map of [upgraded.requests.byStep, upgraded.requests.byEndpoint ?? {}]) {
      for (const st of Object.values(map)) {
        if (st.failed === undefined)
          st.failed = Object.entries(st.statuses).reduce((n, [code, c]) => (/^2\d\d$/.test(code) ? n : n + c), 0);
      }
    }
    return upgraded;
  }
  return summary;
}
