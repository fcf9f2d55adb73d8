// `cartload target` as a library function: builds the options from plain values, starts the
// target, prints its URL as the first line of stdout (other tools parse it), waits until told to
// stop, closes cleanly and reports what it served. Bad options throw TargetOptionsError.
import { CodesFileError, readCodesFile } from './codes-file.ts';
import { startTarget, type RunningTarget, type StartTargetOptions } from './index.ts';
import type { TargetConfig } from '../core/config.ts';
import type { TargetKnobs } from './knobs.ts';
import { CartloadError } from '../../model/errors.ts';

export class TargetOptionsError extends CartloadError {
  override name = 'TargetOptionsError';
}

export interface ServeTargetOptions {
  port: number;
  host: string;
  apiKey?: string;
  latency?: string;
  errorRate?: number;
  errorStatus?: number;
  workers?: number;
  serviceTime?: string;
  queueLimit?: number;
  seed?: number;
  maxSessions?: number;
  bodyLimit?: number;
  applicationId?: number;
  coupons?: string;
  referrals?: string;
  couponPattern?: string;
  referralPattern?: string;
  /** One line per request on stderr (method, path, status, ms). */
  logRequests?: boolean;
}

export interface ServeIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves (with a reason, e.g. the signal's name) when the target should stop. */
  until: Promise<string>;
  /** Called once the target listens (tests use it to reach the running target). */
  onListening?: (target: RunningTarget) => void;
}

/** Turns the CLI's flat options into startTarget()'s, reading code files; throws on bad input. */
export function targetOptionsFrom(o: ServeTargetOptions): StartTargetOptions {
  const config: Partial<TargetConfig> = {};
  if (o.maxSessions !== undefined) config.maxSessions = o.maxSessions;
  if (o.applicationId !== undefined) config.applicationId = o.applicationId;
  if (o.couponPattern !== undefined) config.couponPattern = o.couponPattern;
  if (o.referralPattern !== undefined) config.referralPattern = o.referralPattern;
  try {
    if (o.coupons !== undefined) config.coupons = readCodesFile(o.coupons);
    if (o.referrals !== undefined) config.referrals = readCodesFile(o.referrals);
  } catch (err) {
    if (err instanceof CodesFileError) throw new TargetOptionsError(err.message, { cause: err });
    throw err;
  }
  const knobs: TargetKnobs = {};
  if (o.latency !== undefined) knobs.latency = o.latency;
  if (o.errorRate !== undefined) knobs.errorRate = o.errorRate;
  if (o.errorStatus !== undefined) knobs.errorStatus = o.errorStatus;
  if (o.seed !== undefined) knobs.seed = o.seed;
  if ((o.workers === undefined) !== (o.serviceTime === undefined)) {
    throw new TargetOptionsError('--workers and --service-time go together: the capacity knob needs both');
  }
  if (o.queueLimit !== undefined && o.workers === undefined)
    throw new TargetOptionsError('--queue-limit needs --workers and --service-time');
  if (o.workers !== undefined && o.serviceTime !== undefined) {
    knobs.capacity = {
      workers: o.workers,
      serviceTime: o.serviceTime,
      ...(o.queueLimit !== undefined ? { queueLimit: o.queueLimit } : {}),
    };
  }
  const out: StartTargetOptions = { port: o.port, host: o.host, config, knobs };
  if (o.apiKey) out.apiKey = o.apiKey;
  if (o.bodyLimit !== undefined) out.bodyLimit = o.bodyLimit;
  return out;
}

export async function serveTarget(options: ServeTargetOptions, io: ServeIo): Promise<void> {
  const startOptions = targetOptionsFrom(options);
  if (options.logRequests) startOptions.logRequest = io.err;
  let target: RunningTarget;
  try {
    target = await startTarget(startOptions);
  } catch (err) {
    // Bad knob values are RangeErrors from the core or the knobs; a taken port is the user's to fix too.
    if (err instanceof RangeError) throw new TargetOptionsError(err.message, { cause: err });
    const code = (err as { code?: string }).code;
    if (
      code === 'EADDRINUSE' ||
      code === 'EADDRNOTAVAIL' ||
      code === 'EACCES' ||
      code === 'ENOTFOUND' ||
      code === 'EAI_AGAIN'
    ) {
      throw new TargetOptionsError(`cannot listen on ${options.host}:${options.port}: ${code}`, { cause: err });
    }
    throw err;
  }
  io.out(target.url);
  if (!options.apiKey)
    io.err(`cartload target: no API key given (--api-key or TALON_API_KEY); generated one: ${target.apiKey}`);
  io.err(
    `cartload target: serving the customer-session endpoints at ${target.url} (stats: ${target.url}/__stats); stop with Ctrl-C`,
  );
  io.onListening?.(target);
  const reason = await io.until;
  await target.close();
  const s = target.stats();
  const statuses = Object.entries(s.http.byStatus)
    .map(([code, n]) => `${code}×${n}`)
    .join(' ');
  io.err(
    `cartload target: stopped (${reason}) after ${s.http.requests} requests [${statuses}], ${s.conflicts409} 409s, ${s.sessionsStored} sessions stored, ${s.sessionsEvicted} evicted`,
  );
}
