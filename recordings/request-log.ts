// The request log: one recorded request a row. It is what `cartload generate --format csv` writes,
// and what a user makes from Talon.One's access logs or a gateway log (Talon.One's access-log field
// names are accepted as aliases). This module owns the format both ways: plans → CSV records, and
// a CSV record → a ReplayEvent.
import { SESSION_STATES, SESSIONS_PATH, type SessionState } from '../model/limits.ts';
import {
  LIFECYCLE_KINDS,
  STEP_NAMES,
  endpointOf,
  sessionPath,
  type HttpMethod,
  type LifecycleKind,
  type PlanStep,
  type SessionPlan,
  type StepName,
} from '../model/plan.ts';
import type { ReplayEvent, RowIssue, SourcePosition } from './events.ts';
import { jsonCell } from './cells.ts';
import { scanJsonBody } from './json-body.ts';
import { checkWidth, indexColumns } from './header.ts';
import { quoteCell, reject, RowRejected } from './issues.ts';
import { checkCustomerSession, checkSessionId, isObject } from './limits.ts';
import { formatTime, parseIsoTime } from './time.ts';

/** The columns `cartload generate --format csv` writes, in this order, under this header. */
export const REQUEST_LOG_COLUMNS = [
  'timestamp',
  'session_id',
  'method',
  'path',
  'query',
  'body',
  'status',
  'step',
  'kind',
  'expect',
] as const;
export type RequestLogColumn = (typeof REQUEST_LOG_COLUMNS)[number];

/** Other names accepted for a column (normalised: lower case, no `_`, `-` or spaces). */
export const REQUEST_LOG_ALIASES: Readonly<Record<string, RequestLogColumn>> = {
  // Talon.One access-log entries, flattened to CSV.
  time: 'timestamp',
  requesturi: 'path',
  requestpayload: 'body',
  // Common spellings elsewhere.
  customersessionid: 'session_id',
  statuscode: 'status',
};

/** Columns without which a row cannot be replayed. */
export const REQUEST_LOG_REQUIRED: readonly RequestLogColumn[] = ['timestamp', 'method', 'path'];

type Layout = Record<RequestLogColumn, number>;

/** Where each column sits in a request log's records, from its header (-1: absent). */
export interface RequestLogLayout {
  header: readonly string[];
  index: Layout;
  /** Whether rows name their step; without it the reader infers it (see inferStep). */
  hasStep: boolean;
}

/** The layout of a request-log header, or a rejection naming the first required column it lacks. */
export function requestLogLayout(header: readonly string[], at: SourcePosition): RequestLogLayout {
  const byName = indexColumns(header, at);
  const index = {} as Layout;
  for (const c of REQUEST_LOG_COLUMNS) index[c] = byName.get(c.replace(/_/g, '')) ?? -1;
  for (const [alias, c] of Object.entries(REQUEST_LOG_ALIASES)) {
    const i = byName.get(alias);
    if (i !== undefined && index[c] === -1) index[c] = i;
  }
  for (const c of REQUEST_LOG_REQUIRED) {
    if (index[c] === -1)
      reject(at, 'missing-column', c, `the request log has no "${c}" column (header: ${header.join(',')})`);
  }
  return { header, index, hasStep: index.step !== -1 };
}

/** True when a header looks like a request log. */
export function isRequestLogHeader(normalized: ReadonlySet<string>): boolean {
  const has = (c: RequestLogColumn): boolean =>
    normalized.has(c.replace(/_/g, '')) ||
    Object.entries(REQUEST_LOG_ALIASES).some(([a, to]) => to === c && normalized.has(a));
  return REQUEST_LOG_REQUIRED.every(has);
}

const METHODS: readonly HttpMethod[] = ['GET', 'PUT', 'POST'];
const EXPECT_OF: Partial<Record<StepName, SessionState>> = {
  open: 'open',
  update: 'open',
  close: 'closed',
  cancel: 'cancelled',
  return: 'partially_returned',
  reopen: 'open',
};
const ENDPOINT_OF_STEP: Record<StepName, 'update' | 'get' | 'reopen' | 'returns'> = {
  open: 'update',
  update: 'update',
  close: 'update',
  cancel: 'update',
  dry: 'update',
  return: 'returns',
  reopen: 'reopen',
  get: 'get',
};

function cell(fields: readonly string[], i: number): string {
  return i === -1 ? '' : (fields[i] ?? '');
}

function parseQuery(text: string, into: Record<string, string>, at: SourcePosition, column: string): void {
  const t = text.trim();
  if (t.length === 0) return;
  if (t.startsWith('{')) {
    const v = jsonCell(t, at, column);
    if (!isObject(v)) reject(at, 'bad-value', column, `expected a JSON object: ${quoteCell(t)}`);
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'object' && x !== null)
        reject(at, 'bad-value', column, `query parameter "${k}" must be a string`);
      into[k] = String(x);
    }
    return;
  }
  for (const [k, v] of new URLSearchParams(t.startsWith('?') ? t.slice(1) : t)) into[k] = v;
}

/**
 * The step a recorded request performs, from what it sends: the endpoint, `dry=true`, and the state
 * an update asks for. An update that leaves the session open is `update`; the reader renames a
 * session's first such request `open` once the events are in time order.
 */
export function inferStep(
  method: HttpMethod,
  path: string,
  query: Record<string, string> | undefined,
  body: unknown,
): StepName {
  const endpoint = endpointOf(method, path);
  if (method === 'GET') return 'get';
  if (endpoint?.endsWith('/reopen')) return 'reopen';
  if (endpoint?.endsWith('/returns')) return 'return';
  if (query?.dry === 'true') return 'dry';
  const cs = isObject(body) ? body.customerSession : undefined;
  const state = isObject(cs) ? cs.state : undefined;
  if (state === 'closed') return 'close';
  if (state === 'cancelled') return 'cancel';
  return 'update';
}

/** The step's request path rebuilt from the session ID, so every recording encodes IDs one way. */
function normalisePath(
  raw: string,
  method: HttpMethod,
  at: SourcePosition,
  column: string,
): { path: string; sessionId: string; rawQuery: string } {
  let p = raw.trim();
  const scheme = p.indexOf('://');
  if (scheme !== -1) {
    const slash = p.indexOf('/', scheme + 3);
    p = slash === -1 ? '/' : p.slice(slash);
  }
  const q = p.indexOf('?');
  const rawQuery = q === -1 ? '' : p.slice(q + 1);
  if (q !== -1) p = p.slice(0, q);
  if (!p.startsWith(`${SESSIONS_PATH}/`))
    reject(at, 'unsupported-endpoint', column, `${method} ${quoteCell(p)} is not a customer-session endpoint`);
  const rest = p.slice(SESSIONS_PATH.length + 1);
  const slash = rest.indexOf('/');
  const rawId = slash === -1 ? rest : rest.slice(0, slash);
  const suffix = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/$/, '');
  let sessionId: string;
  try {
    sessionId = decodeURIComponent(rawId);
  } catch {
    return reject(at, 'bad-value', column, `the session ID in ${quoteCell(p)} is not valid URL encoding`);
  }
  checkSessionId(sessionId, at, column);
  if (suffix !== '' && suffix !== 'reopen' && suffix !== 'returns') {
    reject(at, 'unsupported-endpoint', column, `${method} ${quoteCell(p)} is not a customer-session endpoint`);
  }
  const path = sessionPath(sessionId, suffix === '' ? undefined : suffix);
  if (endpointOf(method, path) === undefined)
    reject(at, 'unsupported-endpoint', column, `${method} ${quoteCell(p)} is not a customer-session endpoint`);
  return { path, sessionId, rawQuery };
}

function columnName(layout: RequestLogLayout, c: RequestLogColumn): string {
  return layout.header[layout.index[c]] ?? c;
}

/** One request-log record as a ReplayEvent; throws RowRejected for a bad row. */
export function requestLogEvent(fields: readonly string[], layout: RequestLogLayout, at: SourcePosition): ReplayEvent {
  checkWidth(fields, layout.header, at);
  const ix = layout.index;
  const name = (c: RequestLogColumn): string => columnName(layout, c);

  const stamp = cell(fields, ix.timestamp);
  const time = parseIsoTime(stamp);
  if (time === undefined) reject(at, 'bad-date', name('timestamp'), `not an RFC 3339 timestamp: ${quoteCell(stamp)}`);

  const methodText = cell(fields, ix.method).trim().toUpperCase();
  if (!(METHODS as readonly string[]).includes(methodText))
    reject(at, 'bad-value', name('method'), `method ${quoteCell(methodText)} is not GET, PUT or POST`);
  const method = methodText as HttpMethod;

  const { path, sessionId, rawQuery } = normalisePath(cell(fields, ix.path), method, at, name('path'));
  const idCell = cell(fields, ix.session_id);
  if (idCell !== '' && idCell !== sessionId) {
    reject(
      at,
      'inconsistent-row',
      name('session_id'),
      `session ID ${quoteCell(idCell)} differs from the path's ${quoteCell(sessionId)}`,
    );
  }

  const query: Record<string, string> = {};
  parseQuery(rawQuery, query, at, name('path'));
  parseQuery(cell(fields, ix.query), query, at, name('query'));
  const hasQuery = Object.keys(query).length > 0;

  const bodyCell = cell(fields, ix.body);
  // The body is sent as its text: checked by a scan that builds only what the checks read, and
  // parsed whole only when the scan does not vouch for it (JSON.parse then names the error).
  const body = scanJsonBody(bodyCell) ?? jsonCell(bodyCell, at, name('body'));
  let profileId: string | undefined;
  if (body !== undefined) {
    if (!isObject(body)) reject(at, 'bad-value', name('body'), 'the body must be a JSON object');
    if (method === 'PUT' && body.customerSession !== undefined) {
      checkCustomerSession(body.customerSession, at, name('body'));
      const pid = (body.customerSession as Record<string, unknown>).profileId;
      if (typeof pid === 'string' && pid !== '') profileId = pid;
    }
  }

  const statusText = cell(fields, ix.status).trim();
  let recordedStatus: number | undefined;
  if (statusText !== '') {
    recordedStatus = Number(statusText);
    if (!Number.isInteger(recordedStatus) || recordedStatus < 100 || recordedStatus > 599) {
      reject(at, 'bad-value', name('status'), `status ${quoteCell(statusText)} is not an HTTP status code`);
    }
  }

  const stepText = cell(fields, ix.step).trim();
  let step: StepName;
  if (stepText === '') {
    step = inferStep(method, path, query, body);
  } else {
    if (!(STEP_NAMES as readonly string[]).includes(stepText))
      reject(at, 'bad-value', name('step'), `step ${quoteCell(stepText)} is not one of ${STEP_NAMES.join(', ')}`);
    step = stepText as StepName;
    const endpoint = endpointOf(method, path);
    const wanted = ENDPOINT_OF_STEP[step];
    const actual = endpoint?.endsWith('/reopen')
      ? 'reopen'
      : endpoint?.endsWith('/returns')
        ? 'returns'
        : method === 'GET'
          ? 'get'
          : 'update';
    if (wanted !== actual)
      reject(at, 'inconsistent-row', name('step'), `step "${step}" does not match ${method} ${path}`);
  }

  const kindText = cell(fields, ix.kind).trim();
  let kind: LifecycleKind = 'recorded';
  if (kindText !== '') {
    if (kindText !== 'recorded' && !(LIFECYCLE_KINDS as readonly string[]).includes(kindText)) {
      reject(
        at,
        'bad-value',
        name('kind'),
        `kind ${quoteCell(kindText)} is not one of ${LIFECYCLE_KINDS.join(', ')}, recorded`,
      );
    }
    kind = kindText as LifecycleKind;
  }

  let expect: SessionState | undefined;
  if (ix.expect === -1) {
    expect = query.dry === 'true' ? undefined : EXPECT_OF[step];
  } else {
    const e = cell(fields, ix.expect).trim();
    if (e !== '') {
      if (!(SESSION_STATES as readonly string[]).includes(e))
        reject(at, 'bad-value', name('expect'), `state ${quoteCell(e)} is not one of ${SESSION_STATES.join(', ')}`);
      expect = e as SessionState;
    }
  }

  const planStep: PlanStep = { step, method, path };
  if (hasQuery) planStep.query = query;
  if (expect !== undefined) planStep.expect = expect;
  if (recordedStatus !== undefined) planStep.recordedStatus = recordedStatus;
  const event: ReplayEvent = { time, sessionId, kind, step: planStep, source: { file: at.file, line: at.line } };
  if (profileId !== undefined) event.profileId = profileId;
  // The cell itself goes on: the engine sends the bytes that were recorded.
  if (body !== undefined) event.bodyText = bodyCell;
  return event;
}

/** requestLogEvent, with a bad row returned as its RowIssue instead of thrown. */
export function parseRequestLogRecord(
  fields: readonly string[],
  layout: RequestLogLayout,
  at: SourcePosition,
): ReplayEvent | RowIssue {
  try {
    return requestLogEvent(fields, layout, at);
  } catch (err) {
    if (err instanceof RowRejected) return err.issue;
    throw err;
  }
}

function queryCell(query: Record<string, string> | undefined): string {
  if (!query) return '';
  return new URLSearchParams(query).toString();
}

/**
 * A plan as request-log records (no header: write REQUEST_LOG_COLUMNS first). A step's time is
 * `sessionStartMs + at`; a step without `at` ("right after the previous one") gets the previous
 * step's time, and file order keeps it after that step when the log is read back.
 */
export function planToRequestLogRecords(plan: SessionPlan, sessionStartMs: number): string[][] {
  const records: string[][] = [];
  let at = 0;
  for (const s of plan.steps) {
    if (s.at !== undefined) at = s.at;
    records.push([
      formatTime(sessionStartMs + at),
      plan.sessionId,
      s.method,
      s.path,
      queryCell(s.query),
      s.body === undefined ? '' : JSON.stringify(s.body),
      s.recordedStatus === undefined ? '' : String(s.recordedStatus),
      s.step,
      plan.kind,
      s.expect ?? '',
    ]);
  }
  return records;
}

const NEEDS_QUOTES = /[",\r\n]/;
// A global regex, not replaceAll('"', ...): on a 100 KB body V8's replaceAll with a string pattern
// measured about 17× slower here.
const QUOTES = /"/g;

/**
 * Records as CSV text, quoted as csv-stringify quotes them by default (a cell with a comma, a quote,
 * a CR or an LF is quoted, its quotes doubled; records end with LF), byte for byte. Done here
 * because csv-stringify doubles quotes through a callback per quote, which for a 1,000-item
 * cart's 100-150 KB body was most of `cartload generate`'s time.
 */
export function requestLogCsv(records: readonly (readonly string[])[]): string {
  let out = '';
  for (const r of records) {
    for (let i = 0; i < r.length; i++) {
      const v = r[i] as string;
      if (i > 0) out += ',';
      out += NEEDS_QUOTES.test(v) ? `"${v.replace(QUOTES, '""')}"` : v;
    }
    out += '\n';
  }
  return out;
}
