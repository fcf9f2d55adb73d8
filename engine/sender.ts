// Sends requests over one undici Pool: bounded keep-alive connections, no pipelining (a session's
// requests are never in flight together anyway, and pipelining would hide head-of-line waits in
// the latency), headers built once per run, timeouts on connect, headers and body.
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';

export interface SenderOptions {
  /** Base URL: scheme, host, port and an optional path prefix. */
  target: string;
  /** Sent as `Authorization: ApiKey-v1 <key>`; kept in this closure only, never logged. */
  apiKey?: string;
  connections: number;
  timeoutMs: number;
}

/** What became of one request: an HTTP status, or why there was none. */
export type Outcome =
  | { status: number; body?: string }
  | { status: 0; error: 'timeout' | 'connection' | 'aborted' | 'other'; message: string };

/** Answers whose body the caller wants (non-2xx, to explain failures) are read up to this size. */
const ERROR_BODY_LIMIT = 2048;

function classify(err: unknown): Outcome {
  const code = (err as { code?: string } | null)?.code ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
    return { status: 0, error: 'timeout', message };
  if (code === 'UND_ERR_ABORTED' || code === 'UND_ERR_DESTROYED' || code === 'ABORT_ERR')
    return { status: 0, error: 'aborted', message };
  if (code.startsWith('E') || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED')
    return { status: 0, error: 'connection', message };
  return { status: 0, error: 'other', message };
}

/** Called once per request with the caller's own context object, so no closure is made per request. */
export type Answered<T> = (ctx: T, o: Outcome) => void;

// Bodiless outcomes are shared per status: a 2xx answer allocates nothing here.
const BARE: Outcome[] = [];
const bare = (status: number): Outcome => (BARE[status] ??= Object.freeze({ status }) as Outcome);

/** One request's answer as undici reports it; reports once. */
class Exchange<T> implements Dispatcher.DispatchHandler {
  private status = 0;
  private chunks: Buffer[] | undefined;
  private size = 0;
  private settled = false;

  constructor(
    private readonly wantErrorBody: boolean,
    private readonly done: Answered<T>,
    private readonly ctx: T,
  ) {}

  /** undici tells the handler APIs apart by this method's presence. */
  onRequestStart(): void {
    // Nothing to do when the request starts.
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
    if (this.wantErrorBody && (statusCode < 200 || statusCode >= 300)) this.chunks = [];
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.chunks && this.size < ERROR_BODY_LIMIT) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    this.done(
      this.ctx,
      this.chunks
        ? { status: this.status, body: Buffer.concat(this.chunks).toString('utf8', 0, ERROR_BODY_LIMIT) }
        : this.status < 1000
          ? bare(this.status)
          : { status: this.status },
    );
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.done(this.ctx, classify(err));
  }
}

export class Sender {
  private readonly pool: Pool;
  private readonly prefix: string;
  private readonly withBody: Record<string, string>;
  private readonly withoutBody: Record<string, string>;

  constructor(options: SenderOptions) {
    const url = new URL(options.target);
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: Math.min(options.timeoutMs, 10_000),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const auth: Record<string, string> = options.apiKey ? { authorization: `ApiKey-v1 ${options.apiKey}` } : {};
    this.withoutBody = { ...auth, accept: 'application/json' };
    this.withBody = { ...this.withoutBody, 'content-type': 'application/json' };
  }

  /** Sends one request and calls `done(ctx, outcome)` once; never throws. `pathAndQuery` starts with '/'. */
  send<T>(
    method: Dispatcher.HttpMethod,
    pathAndQuery: string,
    body: string | undefined,
    wantErrorBody: boolean,
    done: Answered<T>,
    ctx: T,
  ): void {
    // dispatch() with a handler, not request(): no response stream, promise or body mixin per
    // request, which is most of a client's cost at tens of thousands of requests per second.
    const exchange = new Exchange(wantErrorBody, done, ctx);
    try {
      this.pool.dispatch(
        {
          method,
          path: this.prefix + pathAndQuery,
          headers: body === undefined ? this.withoutBody : this.withBody,
          body,
        },
        exchange,
      );
    } catch (err) {
      // A request undici refuses outright (a closed pool, an invalid path) is still one outcome.
      exchange.onResponseError(undefined as unknown as Dispatcher.DispatchController, err as Error);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /** Ends every in-flight request now (their callbacks report 'aborted'). */
  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}
