// `cartload generate` as a library: streams session plans as NDJSON (one plan a line) or as the
// request-log CSV that `cartload replay` reads (one row a step). Node only. Memory does not grow
// with the number of sessions: each plan is serialised as soon as it is made, written in chunks,
// and the writer waits for 'drain' whenever the destination is full.
import type { Writable } from 'node:stream';
import { REQUEST_LOG_COLUMNS, planToRequestLogRecords, requestLogCsv } from '../recordings/request-log.ts';
import { createPlanner } from './planner.ts';
import type { TrafficProfile } from './profiles.ts';
import type { Pools } from './types.ts';

export type GenerateFormat = 'ndjson' | 'csv';
export const GENERATE_FORMATS: readonly GenerateFormat[] = ['ndjson', 'csv'];

/** The first session's timestamp in CSV output unless `start` says otherwise: fixed, so that output is reproducible. */
export const DEFAULT_CSV_START = Date.UTC(2026, 0, 1);

export interface GenerateOptions {
  sessions: number;
  seed: number | string;
  profile: TrafficProfile;
  pools: Pools;
  format: GenerateFormat;
  out: Writable;
  /** Sessions per second: session i starts at start + i / rate (CSV timestamps only). Default 10. */
  rate?: number;
  /** Epoch ms of the first session's start (CSV only). */
  start?: number;
  /** The first session index (to split one seed's sessions over several files or machines). */
  firstIndex?: number;
  sessionPrefix?: string;
  /** Stops after the current session (the output stays well-formed). */
  signal?: AbortSignal;
}

export interface GenerateResult {
  sessions: number;
  steps: number;
  bytes: number;
  byKind: Record<string, number>;
  interrupted: boolean;
}

/** Bytes buffered before a write: large enough to keep write calls few, small enough to stay flat. */
const CHUNK_BYTES = 64 * 1024;

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const { sessions, format, out } = options;
  const rate = options.rate ?? 10;
  const start = options.start ?? DEFAULT_CSV_START;
  const first = options.firstIndex ?? 0;
  if (!Number.isSafeInteger(sessions) || sessions < 0)
    throw new RangeError(`--sessions: must be an integer ≥ 0, got ${sessions}`);
  if (!Number.isSafeInteger(first) || first < 0)
    throw new RangeError(`--first-index: must be an integer ≥ 0, got ${first}`);
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`--rate: must be a number > 0, got ${rate}`);
  if (!Number.isFinite(start)) throw new RangeError('--start: must be a valid time');
  const planner = createPlanner({
    pools: options.pools,
    profile: options.profile,
    seed: options.seed,
    sessionPrefix: options.sessionPrefix,
  });
  const result: GenerateResult = { sessions: 0, steps: 0, bytes: 0, byKind: {}, interrupted: false };

  let buffer: string[] = [];
  let buffered = 0;
  const flush = async (): Promise<void> => {
    if (buffered === 0) return;
    const chunk = buffer.join('');
    buffer = [];
    result.bytes += Buffer.byteLength(chunk);
    buffered = 0;
    if (!out.write(chunk)) await drained(out, options.signal);
  };
  const push = async (text: string): Promise<void> => {
    buffer.push(text);
    buffered += text.length;
    if (buffered >= CHUNK_BYTES) await flush();
  };

  if (format === 'csv') await push(requestLogCsv([REQUEST_LOG_COLUMNS]));
  for (let i = first; i < first + sessions; i++) {
    if (options.signal?.aborted || out.destroyed) {
      result.interrupted = true;
      break;
    }
    const plan = planner.plan(i);
    result.sessions++;
    result.steps += plan.steps.length;
    result.byKind[plan.kind] = (result.byKind[plan.kind] ?? 0) + 1;
    if (format === 'ndjson') await push(`${JSON.stringify(plan)}\n`);
    else await push(requestLogCsv(planToRequestLogRecords(plan, start + Math.floor(((i - first) * 1000) / rate))));
  }
  await flush();
  return result;
}

/**
 * Waits until the destination wants more, or can take nothing more: it failed or closed (the
 * caller watches its 'error' and decides), or the run was aborted.
 */
function drained(out: Writable, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('error', done);
      out.off('close', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    out.on('drain', done);
    out.on('error', done);
    out.on('close', done);
    signal?.addEventListener('abort', done);
  });
}
