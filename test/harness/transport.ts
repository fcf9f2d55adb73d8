// What a k6 request becomes in the harness: the URL is matched against the target's origin, and
// the request is answered by the target's in-process core the way the local target's HTTP server
// (target/server/app.ts) would answer it: 404 outside the session API, 401 for a wrong API key,
// any body read as JSON whatever its Content-Type (400 when malformed), then core.handle().
import { STATUS_CODES } from 'node:http';
import type { TargetCore } from '../../emulator/core/index.ts';
import { badRequest, notFound, withStatus, type CoreResponse } from '../../emulator/core/errors.ts';
import { SESSIONS_PATH } from '../../model/limits.ts';
import type { HostRequest, HostResponse, HostTimings } from './host-api.ts';

/** What the harness needs of a target: the core's synchronous handle(). */
export type HarnessTarget = Pick<TargetCore, 'handle'>;

/** The k6 version whose behaviour the harness follows (reference/k6 was recorded with it). */
export const K6_USER_AGENT = 'k6/2.2.1 (https://k6.io/)';

export interface SentRequest {
  method: string;
  url: string;
  path: string;
  query: Record<string, string>;
  /** Request headers as sent, with the Authorization value redacted. */
  headers: Record<string, string>;
  /** The body as the target read it (parsed JSON), the raw text when it was not JSON, or undefined. */
  body: unknown;
}

/** The outcome of one request: what the script gets, and what the harness records. */
export interface Exchange {
  response: HostResponse;
  sent: SentRequest;
  /** The answer's body as the target produced it (not re-parsed), or undefined when there was none. */
  answer: unknown;
  bytesSent: number;
  bytesReceived: number;
  /** A target that threw (a bug in the target, answered 500): its message. */
  targetError?: string;
}

export interface TransportConfig {
  target: HarnessTarget;
  /** Origin (scheme://host:port) that the target answers; requests elsewhere fail as k6's would. */
  origin: string;
  apiKey: string;
  /** Sees each request before the target; returning an answer replaces the target's (fault injection). */
  onRequest?: (req: SentRequest) => InjectedAnswer | void;
  /** Sends every request itself instead of answering from `target` (the paced stand-in's real HTTP). */
  exchange?: (req: HostRequest) => Exchange;
}

/** An answer that replaces the target's: a JSON body, or `text` sent as it is (e.g. a proxy's HTML 502). */
export type InjectedAnswer = CoreResponse & { text?: string; contentType?: string };

const ZERO_TIMINGS: HostTimings = {
  duration: 0,
  blocked: 0,
  looking_up: 0,
  connecting: 0,
  tls_handshaking: 0,
  sending: 0,
  waiting: 0,
  receiving: 0,
};
const ROUTED_METHODS = new Set(['GET', 'PUT', 'POST']);

function bodyText(body: string | number[] | null): string | null {
  if (body === null) return null;
  return typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
}

function header(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function redacted(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = k.toLowerCase() === 'authorization' ? '[redacted]' : v;
  return out;
}

function firstValues(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) if (!(k in out)) out[k] = v;
  return out;
}

interface ParsedUrl {
  href: string;
  origin: string;
  host: string;
  hostname: string;
  port: string;
  protocol: string;
  pathname: string;
  search: string;
}

// A path and query that need no normalising: WHATWG URL parsing would leave them as they are.
const PLAIN_REST = /^\/[A-Za-z0-9\-._~%!$&'()*+,;=:@/]*(\?[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*)?$/;

/** Parses a request URL; the common case (the target's origin, a plain path) skips the full parser. */
function parseUrl(raw: string, origin: string, originUrl: URL): ParsedUrl {
  if (raw.startsWith(origin) && PLAIN_REST.test(raw.slice(origin.length))) {
    const rest = raw.slice(origin.length);
    const q = rest.indexOf('?');
    return {
      href: raw,
      origin,
      host: originUrl.host,
      hostname: originUrl.hostname,
      port: originUrl.port,
      protocol: originUrl.protocol,
      pathname: q === -1 ? rest : rest.slice(0, q),
      search: q === -1 || q === rest.length - 1 ? '' : rest.slice(q),
    };
  }
  try {
    return new URL(raw);
  } catch {
    throw new Error(`invalid URL "${raw}"`);
  }
}

const originUrls = new Map<string, URL>();

/** Answers a request synchronously; never throws for what a real server would answer. */
export function exchange(req: HostRequest, config: TransportConfig): Exchange {
  let originUrl = originUrls.get(config.origin);
  if (!originUrl) {
    originUrl = new URL(config.origin);
    originUrls.set(config.origin, originUrl);
  }
  const url = parseUrl(req.url, config.origin, originUrl);
  const headers: Record<string, string> = { 'User-Agent': K6_USER_AGENT, ...req.headers };
  const text = bodyText(req.body);
  const sent: SentRequest = {
    method: req.method,
    url: url.href,
    path: url.pathname,
    query: url.search === '' ? {} : firstValues(new URLSearchParams(url.search)),
    headers: redacted(headers),
    body: undefined,
  };
  // Sizes as on the wire for ASCII headers (all the scenarios send); bodies counted exactly.
  let bytesSent =
    req.method.length + url.pathname.length + url.search.length + 12 + (text === null ? 0 : Buffer.byteLength(text));
  for (const k in headers) bytesSent += k.length + headers[k]!.length + 4;

  if (url.origin !== config.origin) {
    // What k6 reports when nothing listens there (the harness serves one origin only).
    const error = `dial tcp ${url.host}: connect: connection refused`;
    return {
      response: {
        status: 0,
        statusText: '',
        url: url.href,
        proto: '',
        body: null,
        bodyBytes: null,
        headers: {},
        requestHeaders: headers,
        requestBody: text,
        timings: { ...ZERO_TIMINGS },
        error,
        errorCode: 1212,
        remoteIp: '',
        remotePort: 0,
      },
      sent,
      answer: undefined,
      bytesSent: 0,
      bytesReceived: 0,
    };
  }

  const started = performance.now();
  let answer: InjectedAnswer;
  let targetError: string | undefined;
  const path = url.pathname;
  if (!ROUTED_METHODS.has(req.method) || !path.startsWith(`${SESSIONS_PATH}/`)) {
    answer = notFound(`No such endpoint: ${req.method} ${path}`);
  } else if (header(headers, 'authorization') !== `ApiKey-v1 ${config.apiKey}`) {
    answer = withStatus(401, 'Invalid API key', {
      title: 'Unauthorized',
      details: 'send the header "Authorization: ApiKey-v1 <key>" with the key this target was started with',
      source: { parameter: 'Authorization' },
    });
  } else {
    let parsed: unknown;
    let malformed: string | undefined;
    if (text !== null && text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        malformed = `Malformed JSON in the request body: ${(err as Error).message}`;
        parsed = text;
      }
    }
    sent.body = parsed;
    const injected = config.onRequest?.(sent);
    if (injected) answer = injected;
    else if (malformed)
      answer = badRequest(malformed, [{ title: 'Malformed JSON', details: malformed, source: { pointer: '' } }]);
    else {
      try {
        answer = config.target.handle({ method: req.method, path, query: sent.query, body: parsed });
      } catch (err) {
        targetError = (err as Error).stack ?? String(err);
        answer = withStatus(500, 'Internal error in the local target', {
          title: 'Internal error',
          details: (err as Error).message,
          source: {},
        });
      }
    }
  }
  const waiting = performance.now() - started;

  const json = answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
  const jsonBytes = Buffer.byteLength(json);
  const responseHeaders: Record<string, string> = { 'Content-Length': String(jsonBytes) };
  if (answer.text !== undefined || answer.body !== undefined) {
    responseHeaders['Content-Type'] =
      answer.contentType ??
      (answer.text === undefined ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8');
  }
  const statusText = `${answer.status} ${STATUS_CODES[answer.status] ?? ''}`.trimEnd();
  let bytesReceived = statusText.length + 11 + jsonBytes;
  for (const k in responseHeaders) bytesReceived += k.length + responseHeaders[k]!.length + 4;
  const mode = req.responseType === '' ? 'text' : req.responseType;
  return {
    response: {
      status: answer.status,
      statusText,
      url: url.href,
      proto: 'HTTP/1.1',
      body: mode === 'none' ? null : json,
      bodyBytes: mode === 'binary' ? [...Buffer.from(json)] : null,
      headers: responseHeaders,
      requestHeaders: headers,
      requestBody: text,
      timings: { ...ZERO_TIMINGS, duration: waiting, waiting },
      error: '',
      errorCode: 0,
      remoteIp: url.hostname.replace(/^\[|\]$/g, ''),
      remotePort: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    },
    sent,
    answer: answer.text ?? answer.body,
    bytesSent,
    bytesReceived,
    ...(targetError ? { targetError } : {}),
  };
}
