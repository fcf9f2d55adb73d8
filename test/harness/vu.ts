// One virtual user: a fresh node:vm context running the compiled script, and the host side of its
// k6 module surface (harness/host-api.ts). Every phase rule the harness enforces is k6's: open(),
// SharedArray and metric declarations only in the init context; no requests, checks or groups there.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import vm from 'node:vm';
import {
  ABORT_MARK,
  type HostApi,
  type HostRequest,
  type HostResponse,
  type MetricKind,
  type Phase,
  type Tags,
} from './host-api.ts';
import type { CompiledBundle } from './compile.ts';
import { EXPORTS_GLOBAL } from './compile.ts';
import { describeError } from './records.ts';
import { GROUP_SEPARATOR } from './summary-data.ts';
import type { TestState } from './test-state.ts';
import { exchange } from './transport.ts';

const DEFAULT_EXPECTED = [{ min: 200, max: 399 }];
const HTTP_TRENDS = [
  'http_req_blocked',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'http_req_sending',
  'http_req_waiting',
  'http_req_receiving',
] as const;
const TIMING_OF: Record<(typeof HTTP_TRENDS)[number], keyof HostResponse['timings']> = {
  http_req_blocked: 'blocked',
  http_req_connecting: 'connecting',
  http_req_tls_handshaking: 'tls_handshaking',
  http_req_sending: 'sending',
  http_req_waiting: 'waiting',
  http_req_receiving: 'receiving',
};

/** A k6 exception thrown into the script (a plain Error, as k6's GoError is to a script). */
function k6Error(message: string): Error {
  return new Error(message);
}

function toBuffer(data: string | number[]): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
}

function encode(buf: Buffer, encoding: string): string | number[] {
  switch (encoding) {
    case 'hex':
      return buf.toString('hex');
    case 'base64':
      return buf.toString('base64');
    case 'base64url':
      return buf.toString('base64url') + '='.repeat((4 - (buf.toString('base64url').length % 4)) % 4);
    case 'base64rawurl':
      return buf.toString('base64url');
    case 'binary':
      return [...buf];
    default:
      throw k6Error(`invalid output encoding: ${encoding}`);
  }
}

export type AbortError = Error & { [ABORT_MARK]: true };

/** Calls the function the host left in the context; compiled once for every VU. */
const INVOKE = new vm.Script('globalThis.__cartloadCall.fn.apply(undefined, globalThis.__cartloadCall.args)', {
  filename: 'k6-harness-call',
});

/** Node's timeout error, said in the harness's terms; any other error as it is. */
function timeoutError(err: unknown, what: string, ms: number): unknown {
  if (err !== null && typeof err === 'object' && (err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
    return new Error(`${what} ran longer than ${ms} ms (callTimeoutMs): an endless loop?`);
  }
  return err;
}

export function isAbort(err: unknown): boolean {
  return err !== null && typeof err === 'object' && (err as Record<string, unknown>)[ABORT_MARK] === true;
}

export class VirtualUser implements HostApi {
  readonly context: vm.Context;
  exports: Record<string, unknown> = {};
  private compiled: CompiledBundle | undefined;
  private currentPhase: Phase = 'init';
  /** __ITER and vu.iterationInInstance / iterationInScenario. */
  private iter = 0;
  /** exec.scenario.iterationInTest of the running iteration. */
  private testIteration = -1;
  /** exec.scenario.iterationInInstance of the running iteration (differs from the above with execution segments). */
  private instanceIteration = -1;
  private groupPath = '';
  private groupStarts: number[] = [];
  private readonly tags: Tags = {};
  private readonly metadata: Record<string, string> = {};
  private expected: { min: number; max: number }[] | null = DEFAULT_EXPECTED;
  private bytesSent = 0;
  private bytesReceived = 0;
  /** The context's own JSON.parse: values handed to the script belong to its realm, as in k6. */
  private readonly parseInRealm: (text: string) => unknown;

  constructor(
    readonly vuId: number,
    private readonly test: TestState,
  ) {
    this.context = vm.createContext({ __cartloadHost: this });
    this.parseInRealm = vm.runInContext('JSON.parse', this.context) as (text: string) => unknown;
  }

  /** An error from this VU's script, its stack in the sources' positions. */
  describe(err: unknown): { message: string; stack?: string } {
    const d = describeError(err);
    return d.stack && this.compiled ? { message: d.message, stack: this.compiled.mapStack(d.stack) } : d;
  }

  /**
   * Calls a script function through the context with a time limit: a synchronous endless loop in a
   * script would otherwise hang the test process (k6 has gracefulStop; the harness has this).
   */
  private invoke(fn: (...args: unknown[]) => unknown, args: unknown[], what: string): unknown {
    const sandbox = this.context as { __cartloadCall?: { fn: (...a: unknown[]) => unknown; args: unknown[] } };
    sandbox.__cartloadCall = { fn, args };
    try {
      const ms = this.test.callTimeoutMs;
      return INVOKE.runInContext(
        this.context,
        ms > 0 ? { timeout: ms, displayErrors: false } : { displayErrors: false },
      );
    } catch (err) {
      throw timeoutError(err, `${what} of VU ${this.vuId}`, this.test.callTimeoutMs);
    } finally {
      sandbox.__cartloadCall = undefined;
    }
  }

  /** Runs the script's init code in this VU's context (k6's init stage). */
  init(compiled: CompiledBundle): void {
    this.currentPhase = 'init';
    this.compiled = compiled;
    try {
      const ms = this.test.callTimeoutMs;
      compiled.script.runInContext(
        this.context,
        ms > 0 ? { timeout: ms, displayErrors: false } : { displayErrors: false },
      );
    } catch (thrown) {
      if (isAbort(thrown)) throw thrown;
      const err = timeoutError(thrown, `the init code of VU ${this.vuId}`, this.test.callTimeoutMs);
      const d = this.describe(err);
      const e = new Error(`init of VU ${this.vuId} failed: ${d.message}`);
      if (d.stack) e.stack = `${e.message}\n${d.stack}`;
      throw e;
    }
    this.exports = (this.context as Record<string, unknown>)[EXPORTS_GLOBAL] as Record<string, unknown>;
    this.test.vusInitialized++;
  }

  /** A JSON value parsed in this VU's realm (setup data, summary data). */
  parseHere(json: string | undefined): unknown {
    if (json === undefined) return undefined;
    return this.parseInRealm(json);
  }

  /** Calls an exported function in a phase, awaiting a returned promise (k6 supports async functions). */
  async call(phase: Phase, fn: (...args: unknown[]) => unknown, args: unknown[]): Promise<unknown> {
    this.currentPhase = phase;
    this.groupPath =
      phase === 'setup' ? `${GROUP_SEPARATOR}setup` : phase === 'teardown' ? `${GROUP_SEPARATOR}teardown` : '';
    this.groupStarts = [];
    try {
      const r = this.invoke(fn, args, phase);
      return r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function' ? await r : r;
    } finally {
      this.groupPath = '';
      // Iterations report their bytes with their own metrics; setup and teardown here.
      if (phase !== 'iteration' && (this.bytesSent > 0 || this.bytesReceived > 0)) this.flushData(this.stateTags());
    }
  }

  /** Runs one iteration; an exception is recorded (the test goes on, as in k6). */
  async runIteration(
    fn: (data: unknown) => unknown,
    data: unknown,
    indexInTest: number,
    indexInInstance = indexInTest,
  ): Promise<void> {
    if (this.iter === 0)
      Object.assign((this.context as { __ENV: Record<string, string> }).__ENV, this.test.scenario.env);
    this.testIteration = indexInTest;
    this.instanceIteration = indexInInstance;
    const started = performance.now();
    let interrupted = false;
    try {
      await this.call('iteration', fn as (...a: unknown[]) => unknown, [data]);
    } catch (err) {
      if (isAbort(err)) interrupted = true;
      else {
        const d = this.describe(err);
        this.test.errors.push({ vu: this.vuId, iteration: indexInTest, ...d });
        this.log('error', d.stack ?? d.message);
      }
    }
    if (interrupted || this.test.aborted) {
      this.test.iterationsInterrupted++;
    } else {
      const tags = this.stateTags();
      this.flushData(tags);
      this.test.metrics.add('iterations', 1, tags);
      this.test.metrics.add('iteration_duration', performance.now() - started, tags);
      this.test.iterationsCompleted++;
    }
    this.bytesSent = 0;
    this.bytesReceived = 0;
    this.iter++;
    this.testIteration = -1;
    this.instanceIteration = -1;
    this.currentPhase = 'iteration';
  }

  private flushData(tags: Tags): void {
    this.test.metrics.add('data_sent', this.bytesSent, tags);
    this.test.metrics.add('data_received', this.bytesReceived, tags);
    this.bytesSent = 0;
    this.bytesReceived = 0;
  }

  private stateTags(): Tags {
    const t: Tags = { ...this.test.scenario.tags, ...this.tags, group: this.groupPath };
    if (this.currentPhase === 'iteration') t.scenario = this.test.scenario.name;
    return t;
  }

  private requirePhase(what: string): void {
    if (this.currentPhase === 'init') throw k6Error(what);
  }

  // ---- HostApi ----

  envJson(): string {
    return JSON.stringify(this.test.env);
  }

  phase(): Phase {
    return this.currentPhase;
  }

  iteration(): number {
    return this.iter;
  }

  request(req: HostRequest): HostResponse {
    this.requirePhase(
      'Making requests in the init context is not supported, see https://grafana.com/docs/k6/latest/using-k6/test-lifecycle for more information',
    );
    const responseType =
      req.responseType === '' ? (this.test.options.discardResponseBodies === true ? 'none' : 'text') : req.responseType;
    const t = this.test.transport;
    const ex = t.exchange ? t.exchange({ ...req, responseType }) : exchange({ ...req, responseType }, t);
    const r = ex.response;
    if (ex.targetError) this.test.targetErrors.push(ex.targetError);
    const expectedRanges = req.expected === undefined ? this.expected : req.expected;
    const base = this.stateTags();
    const name = req.tags.name ?? ex.sent.url;
    const tags: Tags = { ...base, method: req.method, url: name, name, status: String(r.status), proto: r.proto };
    if (expectedRanges !== null) {
      const ok = r.status !== 0 && expectedRanges.some((x) => r.status >= x.min && r.status <= x.max);
      tags.expected_response = String(ok);
    }
    if (r.error) {
      tags.error = r.error;
      tags.error_code = String(r.errorCode);
    }
    Object.assign(tags, req.tags);
    const m = this.test.metrics;
    m.add('http_reqs', 1, tags);
    m.add('http_req_duration', r.timings.duration, tags);
    for (const metric of HTTP_TRENDS) m.add(metric, r.timings[TIMING_OF[metric]], tags);
    if (tags.expected_response !== undefined) m.add('http_req_failed', tags.expected_response === 'true' ? 0 : 1, tags);
    // Counted per request, reported per iteration (k6's network trail), with the iteration's tags.
    this.bytesSent += ex.bytesSent;
    this.bytesReceived += ex.bytesReceived;
    if (this.test.recording.requests) {
      this.test.requests.push({
        vu: this.vuId,
        iteration: this.testIteration,
        phase: this.currentPhase,
        group: this.groupPath,
        method: req.method,
        url: ex.sent.url,
        path: ex.sent.path,
        query: ex.sent.query,
        tags,
        headers: ex.sent.headers,
        requestBody: ex.sent.body,
        requestText: r.requestBody,
        status: r.status,
        responseBody: ex.answer,
        error: r.error,
        durationMs: r.timings.duration,
      });
    }
    return r;
  }

  setExpectedStatuses(ranges: { min: number; max: number }[] | null): void {
    this.expected = ranges === null ? null : ranges.map((x) => ({ min: x.min, max: x.max }));
  }

  check(name: string, ok: boolean, tags: Tags | undefined): void {
    this.requirePhase('using check() in the init context is not supported');
    const t: Tags = { ...this.stateTags(), check: name, ...tags };
    this.test.metrics.add('checks', ok ? 1 : 0, t);
    this.test.tree.check(this.groupPath, name, ok);
    this.test.countCheck(name, ok);
    if (!ok)
      this.test.failedChecks.push({
        name,
        group: this.groupPath,
        vu: this.vuId,
        iteration: this.testIteration,
        tags: t,
      });
  }

  groupEnter(name: string): void {
    this.requirePhase('using group() in the init context is not supported');
    this.groupPath = `${this.groupPath}${GROUP_SEPARATOR}${name}`;
    this.test.tree.group(this.groupPath);
    this.groupStarts.push(performance.now());
  }

  groupLeave(): void {
    const started = this.groupStarts.pop() ?? performance.now();
    this.test.metrics.add('group_duration', performance.now() - started, this.stateTags());
    this.groupPath = this.groupPath.slice(0, this.groupPath.lastIndexOf(GROUP_SEPARATOR));
  }

  sleep(seconds: number): void {
    const s = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
    this.test.sleptSeconds += s;
    this.test.sleeps.push({ vu: this.vuId, iteration: this.testIteration, seconds: s });
  }

  defineMetric(name: string, kind: MetricKind, isTime: boolean): void {
    if (this.currentPhase !== 'init') throw k6Error('metrics must be declared in the init context');
    this.test.metrics.define(name, kind, isTime);
  }

  addMetric(name: string, value: number, tags: Tags | undefined): boolean {
    this.requirePhase('metrics cannot be added in the init context');
    if (!Number.isFinite(value)) {
      const msg = `'${value}' is an invalid value for metric '${name}', a number or a boolean value is expected`;
      if (this.test.options.throw === true) throw k6Error(msg);
      this.log('warn', msg);
      return false;
    }
    this.test.metrics.add(name, value, { ...this.stateTags(), ...tags });
    return true;
  }

  open(path: string, binary: boolean): string | number[] {
    if (this.currentPhase !== 'init') {
      throw k6Error(
        'The "open()" function is only available in the init stage (i.e. the global scope), see https://grafana.com/docs/k6/latest/using-k6/test-lifecycle for more information',
      );
    }
    const data = this.test.readFile(path);
    return binary ? [...data] : data.toString('utf8');
  }

  sharedArray(name: string, make: () => string[]): string[] {
    if (this.currentPhase !== 'init') throw k6Error('new SharedArray must be called in the init context');
    let texts = this.test.sharedArrays.get(name);
    if (!texts) {
      texts = [...make()].map(String);
      this.test.sharedArrays.set(name, texts);
    }
    return texts;
  }

  execInfo(kind: 'vu' | 'scenario' | 'instance' | 'test'): string {
    const t = this.test;
    switch (kind) {
      case 'vu':
        if (this.currentPhase === 'init') throw k6Error('getting VU information in the init context is not supported');
        return JSON.stringify({
          idInInstance: this.vuId,
          idInTest: this.vuId,
          iterationInInstance: this.iter,
          iterationInScenario: this.iter,
        });
      case 'scenario':
        if (this.currentPhase !== 'iteration')
          throw k6Error('getting scenario information outside of the VU context is not supported');
        return JSON.stringify({
          name: t.scenario.name,
          executor: t.scenario.executor,
          startTime: t.startedAt,
          progress: t.plannedIterations > 0 ? t.iterationsCompleted / t.plannedIterations : 0,
          iterationInInstance: this.instanceIteration,
          iterationInTest: this.testIteration,
        });
      case 'instance':
        if (this.currentPhase === 'init')
          throw k6Error('getting instance information in the init context is not supported');
        return JSON.stringify({
          iterationsInterrupted: t.iterationsInterrupted,
          iterationsCompleted: t.iterationsCompleted,
          vusActive: this.vuId === 0 ? 0 : 1,
          vusInitialized: t.vusInitialized,
          currentTestRunDuration: t.elapsedMs(),
        });
      case 'test':
        if (this.currentPhase === 'init') throw k6Error('getting test options in the init context is not supported');
        return JSON.stringify({ options: t.options });
    }
  }

  vuTags(): Tags {
    return { ...this.tags };
  }

  setVuTag(key: string, value: string | null): void {
    if (value === null) delete this.tags[key];
    else this.tags[key] = value;
  }

  vuMetadata(): Record<string, string> {
    return { ...this.metadata };
  }

  setVuMetadata(key: string, value: string | null): void {
    if (value === null) delete this.metadata[key];
    else this.metadata[key] = value;
  }

  abort(reason: string | undefined): never {
    const message = reason ? `test aborted: ${reason}` : 'test aborted';
    this.test.aborted ??= { reason: message, byThreshold: false };
    const err = new Error(message) as AbortError;
    err[ABORT_MARK] = true;
    throw err;
  }

  log(level: 'log' | 'info' | 'warn' | 'error' | 'debug', message: string): void {
    this.test.console.push({ vu: this.vuId, phase: this.currentPhase, iteration: this.testIteration, level, message });
    if (this.test.printConsole) console.error(`[k6 harness VU ${this.vuId}] ${level}: ${message}`);
  }

  hash(algorithm: string, data: string | number[], encoding: string): string | number[] {
    return encode(createHash(algorithm).update(toBuffer(data)).digest(), encoding);
  }

  hmac(algorithm: string, secret: string | number[], data: string | number[], encoding: string): string | number[] {
    return encode(createHmac(algorithm, toBuffer(secret)).update(toBuffer(data)).digest(), encoding);
  }

  randomBytes(size: number): number[] {
    return [...randomBytes(size)];
  }

  b64encode(data: string | number[], variant: string): string {
    const b = toBuffer(data);
    switch (variant) {
      case 'std':
        return b.toString('base64');
      case 'rawstd':
        return b.toString('base64').replace(/=+$/, '');
      case 'url':
        return b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
      case 'rawurl':
        return b.toString('base64url');
      default:
        throw k6Error(`unknown base64 encoding: ${variant}`);
    }
  }

  b64decode(data: string, variant: string): number[] {
    if (!['std', 'rawstd', 'url', 'rawurl'].includes(variant)) throw k6Error(`unknown base64 encoding: ${variant}`);
    return [...Buffer.from(data, variant === 'url' || variant === 'rawurl' ? 'base64url' : 'base64')];
  }
}
