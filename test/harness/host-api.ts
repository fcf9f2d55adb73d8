// The boundary between a VU's node:vm context and the harness. The k6 module shims (harness/shim/)
// are bundled into each VU's script and run inside its context, so that every object a script
// sees (responses, parsed JSON, SharedArray items) belongs to the VU's own realm, as in k6, where
// each VU is its own JavaScript runtime. They reach the harness only through this interface,
// exchanging primitives and plain data, installed as `globalThis.__cartloadHost` before the script runs.

export type Phase = 'init' | 'setup' | 'iteration' | 'teardown' | 'summary';

export type Tags = Record<string, string>;

export interface HostRequest {
  method: string;
  url: string;
  /** The body as sent: text, bytes, or null for none. */
  body: string | number[] | null;
  headers: Record<string, string>;
  tags: Tags;
  /** '' means the test's default (text, or none with options.discardResponseBodies). */
  responseType: 'text' | 'binary' | 'none' | '';
  /** From params.timeout; recorded, not enforced (the in-process target answers synchronously). */
  timeoutMs: number;
  /** params.responseCallback: expected statuses for this request; undefined means the test's default. */
  expected?: { min: number; max: number }[] | null;
}

export interface HostTimings {
  duration: number;
  blocked: number;
  looking_up: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
}

export interface HostResponse {
  status: number;
  statusText: string;
  url: string;
  proto: string;
  /** The body as text (also for responseType binary, for json()); null for none or no answer. */
  body: string | null;
  /** Body bytes for responseType binary. */
  bodyBytes: number[] | null;
  headers: Record<string, string>;
  requestHeaders: Record<string, string>;
  requestBody: string | null;
  timings: HostTimings;
  error: string;
  errorCode: number;
  remoteIp: string;
  remotePort: number;
}

export type MetricKind = 'counter' | 'gauge' | 'rate' | 'trend';

export interface HostApi {
  readonly vuId: number;
  /** __ENV for this VU, as JSON (parsed inside the VU's realm). */
  envJson(): string;
  phase(): Phase;
  /** __ITER: this VU's iteration number (0-based). */
  iteration(): number;
  request(req: HostRequest): HostResponse;
  /** The response callback's verdict on a status; `null` callback means no http_req_failed samples. */
  setExpectedStatuses(ranges: { min: number; max: number }[] | null): void;
  check(name: string, ok: boolean, tags: Tags | undefined): void;
  groupEnter(name: string): void;
  groupLeave(): void;
  sleep(seconds: number): void;
  defineMetric(name: string, kind: MetricKind, isTime: boolean): void;
  /** False when the value was refused (logged as a warning, as k6 does unless options.throw). */
  addMetric(name: string, value: number, tags: Tags | undefined): boolean;
  /** open(): text, or bytes in binary mode; only during init. */
  open(path: string, binary: boolean): string | number[];
  /** The SharedArray's items as JSON texts; `make` runs only the first time a name is seen in the test. */
  sharedArray(name: string, make: () => string[]): string[];
  /** k6/execution's information objects (JSON), or a k6 error when not available in this phase. */
  execInfo(kind: 'vu' | 'scenario' | 'instance' | 'test'): string;
  vuTags(): Tags;
  setVuTag(key: string, value: string | null): void;
  vuMetadata(): Record<string, string>;
  setVuMetadata(key: string, value: string | null): void;
  /** test.abort(): stops the test after this call (cannot be caught away: the host remembers it). */
  abort(reason: string | undefined): never;
  log(level: 'log' | 'info' | 'warn' | 'error' | 'debug', message: string): void;
  hash(algorithm: string, data: string | number[], encoding: string): string | number[];
  hmac(algorithm: string, secret: string | number[], data: string | number[], encoding: string): string | number[];
  randomBytes(size: number): number[];
  b64encode(data: string | number[], variant: string): string;
  b64decode(data: string, variant: string): number[];
}

/** Markers on errors the host throws into a VU so that it can tell them from the script's own. */
export const ABORT_MARK = '__cartloadK6Abort';
