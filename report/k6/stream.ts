// k6's metric stream (`k6 run --out csv=…`) fed row by row into the results collector: one
// http_req_duration row per request (its step, endpoint, status, expected_response and duration),
// checks, iterations, the cartload_ session counters, dropped_iterations and VUs. Written against
// real k6 v2.2 output: columns metric_name, timestamp, metric_value, then one per system tag
// (check, error, error_code, expected_response, group, method, name, proto, scenario, service,
// status, subproto, tls_version, url), extra_tags (other tags as k=v&k=v) and metadata. Columns
// are found by their header name, so a k6 with other system tags converts too.
// Pure: no Node APIs (the caller reads the file).
import { CartloadError } from '../../model/errors.ts';
import { METRICS } from '../../model/metric-names.ts';
import { ResultsCollector } from '../data/collector.ts';

export class K6CsvError extends CartloadError {
  constructor(message: string) {
    super(message, { code: 'E_K6_CSV' });
  }
}

/** k6's timeFormat values: unix (s, the default), unix_milli, unix_micro, unix_nano, rfc3339, rfc3339_nano. */
export type TimeFormat = 'unix' | 'unix_milli' | 'unix_micro' | 'unix_nano' | 'rfc3339';

/** Epoch ms from a timestamp cell; the format is detected from the first one and kept. */
function detectFormat(cell: string): TimeFormat | undefined {
  if (/^\d{4}-\d\d-\d\dT/.test(cell)) return 'rfc3339';
  if (!/^\d+(\.\d+)?$/.test(cell)) return undefined;
  const digits = cell.split('.')[0]!.length;
  return digits <= 11 ? 'unix' : digits <= 14 ? 'unix_milli' : digits <= 17 ? 'unix_micro' : 'unix_nano';
}

function toEpochMs(cell: string, f: TimeFormat): number {
  switch (f) {
    case 'unix':
      return Number(cell) * 1000;
    case 'unix_milli':
      return Number(cell);
    case 'unix_micro':
      return Number(cell) / 1000;
    case 'unix_nano':
      // Beyond 2^53: read the milliseconds only.
      return Number(cell.slice(0, cell.length - 6));
    case 'rfc3339':
      return Date.parse(cell);
  }
}

/** k6 writes other tags as `k=v&k=v` (URL-encoded). */
function extraTag(cell: string, key: string): string | undefined {
  if (cell === '') return undefined;
  for (const part of cell.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === key) {
      const raw = part.slice(eq + 1);
      try {
        return decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}

/** What the stream says about the run itself, for the results' run block. */
export interface StreamFacts {
  firstMs: number;
  lastMs: number;
  rows: number;
  timeFormat: TimeFormat | undefined;
  /** Scenario names (k6's `scenario` tag) with their request counts. */
  scenarios: Map<string, number>;
  /** Origins of absolute request URLs seen (the target, when the script did not rename its URLs). */
  origins: Set<string>;
}

const REQUIRED = ['metric_name', 'timestamp', 'metric_value'] as const;

export class K6StreamConverter {
  readonly collector = new ResultsCollector();
  readonly facts: StreamFacts = {
    firstMs: Infinity,
    lastMs: -Infinity,
    rows: 0,
    timeFormat: undefined,
    scenarios: new Map(),
    origins: new Set(),
  };
  private col: Record<string, number> | undefined;
  private iterations = 0;
  private line = 1;

  constructor(private readonly file: string) {}

  private cell(row: readonly string[], name: string): string {
    const i = this.col![name];
    return i === undefined ? '' : (row[i] ?? '');
  }

  private tag(row: readonly string[], name: string): string | undefined {
    const direct = this.col![name];
    if (direct !== undefined && (row[direct] ?? '') !== '') return row[direct];
    return extraTag(this.cell(row, 'extra_tags'), name);
  }

  /** Feeds the header, then every row, in file order. */
  row(row: readonly string[]): void {
    if (this.col === undefined) {
      const col: Record<string, number> = {};
      row.forEach((name, i) => (col[name.trim()] = i));
      for (const c of REQUIRED) {
        if (col[c] === undefined)
          throw new K6CsvError(
            `${this.file}:1: not k6 CSV output (no ${c} column; the header is ${row.slice(0, 4).join(',')}…)`,
          );
      }
      this.col = col;
      return;
    }
    this.line++;
    const metric = this.cell(row, 'metric_name');
    const ts = this.cell(row, 'timestamp');
    this.facts.timeFormat ??= detectFormat(ts);
    if (this.facts.timeFormat === undefined)
      throw new K6CsvError(
        `${this.file}:${this.line}: timestamp "${ts}" is not a time k6 writes (unix, unix_milli, unix_micro, unix_nano or rfc3339)`,
      );
    const at = toEpochMs(ts, this.facts.timeFormat);
    const value = Number(this.cell(row, 'metric_value'));
    if (!Number.isFinite(at) || !Number.isFinite(value))
      throw new K6CsvError(`${this.file}:${this.line}: timestamp or metric_value is not a number`);
    this.facts.rows++;
    if (at < this.facts.firstMs) this.facts.firstMs = at;
    if (at > this.facts.lastMs) this.facts.lastMs = at;
    const c = this.collector;
    switch (metric) {
      case 'http_req_duration': {
        const status = Number(this.cell(row, 'status')) || 0;
        const expected = this.cell(row, 'expected_response');
        // k6's default: 200–399 are expected; a responseCallback changes that, and the tag says so.
        const failed = expected === 'true' ? false : expected === 'false' ? true : status < 200 || status >= 400;
        const name = this.cell(row, 'name');
        const url = this.cell(row, 'url');
        const endpoint = name || url || 'other';
        const step = this.tag(row, 'step') ?? endpoint;
        c.answer(at, step, endpoint, status, failed, status === 0 ? undefined : value);
        const scenario = this.cell(row, 'scenario');
        if (scenario) this.facts.scenarios.set(scenario, (this.facts.scenarios.get(scenario) ?? 0) + 1);
        if (/^https?:\/\//.test(url)) {
          try {
            this.facts.origins.add(new URL(url).origin);
          } catch {
            // not a URL after all: no origin to learn
          }
        }
        break;
      }
      case 'checks':
        c.count(at, value !== 0 ? 'checksPassed' : 'checksFailed');
        break;
      case 'iterations':
        this.iterations += value;
        c.count(at, 'iterations', value);
        c.timeline.at(at).count('sessionsStarted', value);
        break;
      case METRICS.completed:
        for (let i = 0; i < value; i++) c.session(at, this.tag(row, 'kind') ?? 'unknown', 'completed');
        break;
      case METRICS.failed:
        for (let i = 0; i < value; i++) c.session(at, this.tag(row, 'kind') ?? 'unknown', 'failed');
        break;
      case METRICS.skippedSteps:
        c.skippedSteps(at, value);
        break;
      case METRICS.rejectedCoupons:
        c.count(at, 'rejectedCoupons', value);
        break;
      case METRICS.drySkipped:
        c.count(at, 'drySkippedSteps', value);
        break;
      case 'dropped_iterations':
        c.count(at, 'droppedIterations', value);
        break;
      case 'vus':
        c.gauge(at, 'vus', value);
        break;
      case 'vus_max':
        c.gauge(at, 'vusMax', value);
        break;
      default:
        break;
    }
  }

  /** Sessions as k6 counts them: started = iterations (one session per iteration). */
  sessions(): {
    started: number;
    completed: number;
    failed: number;
    skippedSteps: number;
    byKind: Record<string, { completed: number; failed: number }>;
  } {
    const s = this.collector.sessions;
    return {
      started: this.iterations,
      completed: s.completed,
      failed: s.failed,
      skippedSteps: s.skippedSteps,
      byKind: { ...s.byKind },
    };
  }
}
