// The `k6/http` module, bound to the harness's in-process target. Requests are synchronous, as in
// k6 (a VU blocks on each request); the Response object follows k6's fields and json() rules.
import type { HostResponse, HostTimings } from '../host-api.ts';
import { parseK6Duration } from '../../../model/duration.ts';
import { selectJson } from './json-selector.ts';
import { host, toArrayBuffer, toHostData, toTags } from './runtime.ts';

type Ranges = { min: number; max: number }[];
const EXPECTED = Symbol('expectedStatuses');
interface ExpectedStatuses {
  [EXPECTED]: Ranges;
}

interface Params {
  headers?: Record<string, unknown>;
  tags?: Record<string, unknown>;
  timeout?: string | number;
  responseType?: 'text' | 'binary' | 'none';
  responseCallback?: ExpectedStatuses | null;
  [other: string]: unknown;
}

interface TaggedUrl {
  url: string;
  name: string;
}

const NOT_EMULATED = (what: string): Error => new Error(`${what} is not emulated by the cartload k6 harness`);

function jsonErrorPosition(text: string, message: string): { line: number; character: number } {
  // V8 names the position in some messages and only the offending token in others.
  const pos = /position (\d+)/.exec(message);
  const token = /Unexpected token '(.)'/.exec(message);
  const offset = pos ? Number(pos[1]) : token ? Math.max(0, text.indexOf(token[1]!)) : text.length;
  let line = 1;
  let character = 0;
  for (let i = 0; i < text.length && i <= offset; i++) {
    if (text[i] === '\n') {
      line++;
      character = 0;
    }
    character++;
  }
  return { line, character };
}

export class Response {
  status: number;
  status_text: string;
  url: string;
  proto: string;
  body: string | ArrayBuffer | null;
  headers: Record<string, string>;
  timings: HostTimings;
  error: string;
  error_code: number;
  remote_ip: string;
  remote_port: number;
  tls_version = '';
  tls_cipher_suite = '';
  ocsp = { produced_at: 0, this_update: 0, next_update: 0, revocation_reason: '', revoked_at: 0, status: 'unknown' };
  cookies: Record<string, unknown[]> = {};
  request: {
    method: string;
    url: string;
    headers: Record<string, string[]>;
    body: string;
    cookies: Record<string, unknown[]>;
  };
  #text: string | null;
  #parsed: unknown = undefined;
  #parsedOk = false;

  constructor(r: HostResponse, method: string) {
    this.status = r.status;
    this.status_text = r.statusText;
    this.url = r.url;
    this.proto = r.proto;
    this.body = r.bodyBytes ? toArrayBuffer(r.bodyBytes) : r.body;
    this.headers = { ...r.headers };
    this.timings = { ...r.timings };
    this.error = r.error;
    this.error_code = r.errorCode;
    this.remote_ip = r.remoteIp;
    this.remote_port = r.remotePort;
    const reqHeaders: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(r.requestHeaders)) reqHeaders[k] = [v];
    this.request = { method, url: r.url, headers: reqHeaders, body: r.requestBody ?? '', cookies: {} };
    this.#text = r.body;
  }

  /** The body parsed as JSON, or the value at a GJSON selector (undefined when absent or the body is not JSON). */
  json(selector?: string): unknown {
    if (this.#text === null) {
      throw new Error(
        "the body is null so we can't transform it to JSON - this likely was because of a request error getting the response",
      );
    }
    if (!this.#parsedOk) {
      try {
        this.#parsed = JSON.parse(this.#text);
        this.#parsedOk = true;
      } catch (err) {
        if (selector !== undefined) return undefined;
        const msg = (err as Error).message;
        const at = jsonErrorPosition(this.#text, msg);
        throw new Error(
          `cannot parse json due to an error at line ${at.line}, character ${at.character} , error: ${msg}`,
          { cause: err },
        );
      }
    }
    return selector === undefined ? this.#parsed : selectJson(this.#parsed, String(selector));
  }

  html(): never {
    throw NOT_EMULATED('Response.html()');
  }
  submitForm(): never {
    throw NOT_EMULATED('Response.submitForm()');
  }
  clickLink(): never {
    throw NOT_EMULATED('Response.clickLink()');
  }
}

function formEncode(body: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (v !== null && typeof v === 'object' && (v as { __k6file?: boolean }).__k6file)
      throw NOT_EMULATED('multipart bodies (http.file)');
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.join('&');
}

function timeoutMs(value: unknown): number {
  if (value === undefined || value === null) return 60_000;
  const r = parseK6Duration(value);
  if ('error' in r) throw new Error(`invalid timeout value: ${r.error}`);
  return r.ms;
}

function urlOf(url: unknown): TaggedUrl | { url: string; name?: undefined } {
  if (url !== null && typeof url === 'object' && typeof (url as TaggedUrl).url === 'string') return url as TaggedUrl;
  return { url: String(url) };
}

export function request(method: string, url: unknown, body?: unknown, params?: Params | null): Response {
  const p: Params = params ?? {};
  const u = urlOf(url);
  const headers: Record<string, string> = {};
  let sent: string | number[] | null = null;
  if (body !== null && body !== undefined) {
    if (typeof body === 'string') sent = body;
    else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) sent = toHostData(body);
    else if (typeof body === 'object') {
      // k6 sends a plain object as an urlencoded form, not as JSON: scripts must JSON.stringify.
      sent = formEncode(body as Record<string, unknown>);
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else sent = String(body);
  }
  if (p.headers)
    for (const [k, v] of Object.entries(p.headers)) if (v !== undefined && v !== null) headers[k] = String(v);
  const tags = toTags(p.tags) ?? {};
  if (u.name !== undefined && tags.name === undefined) tags.name = u.name;
  const m = String(method);
  const expected =
    p.responseCallback === undefined
      ? undefined
      : p.responseCallback === null
        ? null
        : (p.responseCallback as ExpectedStatuses)[EXPECTED];
  const r = host.request({
    method: m,
    url: u.url,
    body: sent,
    headers,
    tags,
    responseType: p.responseType ?? '',
    timeoutMs: timeoutMs(p.timeout),
    ...(expected === undefined ? {} : { expected }),
  });
  return new Response(r, m);
}

export const get = (url: unknown, params?: Params | null): Response => request('GET', url, null, params);
export const head = (url: unknown, params?: Params | null): Response => request('HEAD', url, null, params);
export const post = (url: unknown, body?: unknown, params?: Params | null): Response =>
  request('POST', url, body, params);
export const put = (url: unknown, body?: unknown, params?: Params | null): Response =>
  request('PUT', url, body, params);
export const patch = (url: unknown, body?: unknown, params?: Params | null): Response =>
  request('PATCH', url, body, params);
export const del = (url: unknown, body?: unknown, params?: Params | null): Response =>
  request('DELETE', url, body, params);
export const options = (url: unknown, body?: unknown, params?: Params | null): Response =>
  request('OPTIONS', url, body, params);

export function asyncRequest(method: string, url: unknown, body?: unknown, params?: Params | null): Promise<Response> {
  try {
    return Promise.resolve(request(method, url, body, params));
  } catch (err) {
    return Promise.reject(err);
  }
}

type BatchItem =
  | string
  | TaggedUrl
  | [string, unknown, unknown?, Params?]
  | { method?: string; url: unknown; body?: unknown; params?: Params };

function runBatchItem(item: BatchItem): Response {
  if (typeof item === 'string') return request('GET', item);
  if (Array.isArray(item)) return request(item[0], item[1], item[2], item[3]);
  if ('method' in item || 'params' in item || 'body' in item) {
    const o = item as { method?: string; url: unknown; body?: unknown; params?: Params };
    return request(o.method ?? 'GET', o.url, o.body, o.params);
  }
  return request('GET', item);
}

/** Sends the requests one after another (the in-process target has no parallelism to offer). */
export function batch(requests: BatchItem[] | Record<string, BatchItem>): Response[] | Record<string, Response> {
  if (Array.isArray(requests)) return requests.map(runBatchItem);
  const out: Record<string, Response> = {};
  for (const [k, v] of Object.entries(requests)) out[k] = runBatchItem(v);
  return out;
}

/** The http.url tagged template: the URL, and a `name` tag with `${}` where the values were. */
export function url(strings: TemplateStringsArray, ...values: unknown[]): TaggedUrl {
  let u = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) u += String(values[i]) + (strings[i + 1] ?? '');
  return { url: u, name: strings.join('${}') };
}

export function expectedStatuses(...statuses: (number | { min: number; max: number })[]): ExpectedStatuses {
  const ranges: Ranges = statuses.map((s) =>
    typeof s === 'number' ? { min: s, max: s } : { min: Number(s.min), max: Number(s.max) },
  );
  return { [EXPECTED]: ranges };
}

export function setResponseCallback(callback: ExpectedStatuses | null): void {
  host.setExpectedStatuses(callback === null ? null : callback[EXPECTED]);
}

export function file(data: unknown, filename?: string, contentType?: string): object {
  return { __k6file: true, data, filename, content_type: contentType ?? 'application/octet-stream' };
}

export function cookieJar(): never {
  throw NOT_EMULATED('http.cookieJar()');
}

export default {
  request,
  get,
  head,
  post,
  put,
  patch,
  del,
  options,
  asyncRequest,
  batch,
  url,
  expectedStatuses,
  setResponseCallback,
  file,
  cookieJar,
};
