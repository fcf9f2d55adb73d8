// One VU of the paced k6 stand-in, in a worker thread: the harness's VirtualUser running the
// bundle's code, with requests sent for real (through the main thread's HTTP bridge) and sleep()
// slept. The main thread says when to run setup, an iteration or teardown; after each, the VU hands
// back the metric samples, errors and console lines it recorded since the last time.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { compiledFromCode } from '../compile.ts';
import type { HostRequest } from '../host-api.ts';
import type { MetricSample } from '../metrics.ts';
import type { ConsoleEntry, IterationError } from '../records.ts';
import { TestState, type ScenarioInfo } from '../test-state.ts';
import type { Exchange } from '../transport.ts';
import { isAbort, VirtualUser } from '../vu.ts';
import { blockingSender, hostResponse } from './bridge-sync.ts';

export interface VuWorkerData {
  vuId: number;
  bundle: string;
  code: string;
  map: string;
  env: Record<string, string>;
  options: Record<string, unknown>;
  scenario: ScenarioInfo;
  /**
   * The SharedArrays the main thread's VU 0 made at its init: as in k6, each is made once per
   * process (its callback, e.g. reading and parsing the pools file, runs once), not once per VU.
   */
  sharedArrays: [string, string[]][];
  port: MessagePort;
  flag: SharedArrayBuffer;
}

export type ToVu =
  | { type: 'setup' }
  | { type: 'iterate'; index: number; setupJson: string | undefined; scenarioStart: number }
  | { type: 'teardown'; setupJson: string | undefined };

export interface Delta {
  samples: MetricSample[];
  errors: IterationError[];
  console: ConsoleEntry[];
  completed: number;
  interrupted: number;
}

export type FromVu =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | ({ type: 'setup-done'; setupJson: string | undefined; error?: string } & Delta)
  | ({ type: 'done' } & Delta)
  | ({ type: 'teardown-done'; error?: string } & Delta);

const data = workerData as VuWorkerData;
const port = parentPort!;
const send = blockingSender(data.port, new Int32Array(data.flag));
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function exchangeFor(req: HostRequest): Exchange {
  const url = new URL(req.url);
  const body =
    req.body === null ? null : typeof req.body === 'string' ? req.body : Buffer.from(req.body).toString('utf8');
  const headers: Record<string, string> = { 'User-Agent': 'k6/2.2.1 (https://k6.io/)', ...req.headers };
  const r = send({
    method: req.method,
    url: req.url,
    headers,
    body,
    timeoutMs: req.timeoutMs > 0 ? req.timeoutMs : 60_000,
  });
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
  return {
    response: hostResponse(req, r, body),
    sent: { method: req.method, url: req.url, path: url.pathname, query, headers: {}, body: undefined },
    answer: undefined,
    bytesSent: (body?.length ?? 0) + url.pathname.length + 100,
    bytesReceived: r.body.length + 100,
  };
}

class PacedVu extends VirtualUser {
  override sleep(seconds: number): void {
    super.sleep(seconds);
    const ms = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
    if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
  }
}

const state = new TestState(
  data.bundle,
  data.env,
  {
    target: { handle: () => ({ status: 500, body: undefined }) },
    origin: 'http://stand-in',
    apiKey: '',
    exchange: exchangeFor,
  },
  { requests: false, samples: true },
  false,
  0,
);
state.options = data.options;
state.scenario = data.scenario;
for (const [name, texts] of data.sharedArrays) state.sharedArrays.set(name, texts);
const vu = new PacedVu(data.vuId, state);
let setupData: { json: string | undefined; value: unknown } | undefined;
let errorsSent = 0;
let consoleSent = 0;
let completedSent = 0;
let interruptedSent = 0;

function delta(): Delta {
  const samples = state.metrics.samples ?? [];
  const d: Delta = {
    samples: samples.splice(0, samples.length),
    errors: state.errors.slice(errorsSent),
    console: state.console.slice(consoleSent),
    completed: state.iterationsCompleted - completedSent,
    interrupted: state.iterationsInterrupted - interruptedSent,
  };
  errorsSent = state.errors.length;
  consoleSent = state.console.length;
  completedSent = state.iterationsCompleted;
  interruptedSent = state.iterationsInterrupted;
  return d;
}

const post = (m: FromVu): void => port.postMessage(m);

try {
  vu.init(compiledFromCode(data.bundle, data.code, data.map));
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'init-error', message: (err as Error).message });
}

port.on('message', (m: ToVu) => {
  void (async () => {
    switch (m.type) {
      case 'setup': {
        const fn = vu.exports.setup;
        let setupJson: string | undefined;
        let error: string | undefined;
        if (typeof fn === 'function') {
          try {
            const r = await vu.call('setup', fn as (...a: unknown[]) => unknown, []);
            setupJson = r === undefined ? undefined : JSON.stringify(r);
          } catch (err) {
            const d = vu.describe(err);
            error = isAbort(err) ? 'aborted' : (d.stack ?? d.message);
          }
        }
        post({ type: 'setup-done', setupJson, ...(error ? { error } : {}), ...delta() });
        return;
      }
      case 'iterate': {
        const fn = vu.exports[state.scenario.exec] as (d: unknown) => unknown;
        // exec.scenario.startTime: the scenario's start, the same for every VU.
        (state as { startedAt: number }).startedAt = m.scenarioStart;
        // Each VU parses setup()'s data once, as in k6.
        if (setupData === undefined || setupData.json !== m.setupJson)
          setupData = { json: m.setupJson, value: vu.parseHere(m.setupJson) };
        await vu.runIteration(fn, setupData.value, m.index);
        post({ type: 'done', ...delta() });
        return;
      }
      case 'teardown': {
        const fn = vu.exports.teardown;
        let error: string | undefined;
        if (typeof fn === 'function') {
          try {
            await vu.call('teardown', fn as (...a: unknown[]) => unknown, [vu.parseHere(m.setupJson)]);
          } catch (err) {
            if (!isAbort(err)) {
              const d = vu.describe(err);
              error = d.stack ?? d.message;
            }
          }
        }
        post({ type: 'teardown-done', ...(error ? { error } : {}), ...delta() });
        return;
      }
    }
  })();
});
