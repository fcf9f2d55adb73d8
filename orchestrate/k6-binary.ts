// Finding and running a real k6 binary. k6 cannot be installed on every machine (it cannot on the
// project's own), so callers ask first (findK6 / explainK6Missing) and skip or fall back when it is
// absent. Running is bounded: a k6 that hangs is killed at the timeout instead of hanging CI.
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export type Env = Record<string, string | undefined>;

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function candidateNames(env: Env): string[] {
  if (process.platform !== 'win32') return ['k6'];
  // Windows finds programs by the extensions in PATHEXT; k6 ships as k6.exe.
  const exts = (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter(Boolean);
  return exts.map((e) => `k6${e.toLowerCase()}`);
}

export type K6Location = { bin: string } | { bin?: undefined; reason: string };

/**
 * Where k6 is: `K6_BIN` when set (it must name an executable file; a wrong K6_BIN is reported,
 * never silently replaced by whatever k6 is on PATH), otherwise the first `k6` on PATH.
 */
export function locateK6(env: Env = process.env): K6Location {
  const fromEnv = env.K6_BIN?.trim();
  if (fromEnv) {
    const bin = isAbsolute(fromEnv) ? fromEnv : resolve(fromEnv);
    return isExecutableFile(bin) ? { bin } : { reason: `K6_BIN=${fromEnv} is not an executable file` };
  }
  const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    for (const name of candidateNames(env)) {
      const bin = join(dir, name);
      if (isExecutableFile(bin)) return { bin };
    }
  }
  return { reason: `no k6 executable on PATH (${dirs.length} directories searched) and K6_BIN is not set` };
}

/** The k6 binary to run, or undefined when there is none (see locateK6 for the reason). */
export function findK6(env: Env = process.env): string | undefined {
  return locateK6(env).bin;
}

export interface RunK6Options {
  /** The child's whole environment (not merged with process.env: pass `{ ...process.env, X }` for that). */
  env?: Env;
  cwd?: string;
  /** Kill k6 (SIGTERM, then SIGKILL after killGraceMs) when it runs longer than this. Default 10 minutes. */
  timeoutMs?: number;
  /** How long k6 gets to write its summary after SIGTERM before SIGKILL. Default 5 s. */
  killGraceMs?: number;
  /** Aborting stops k6 the same way as the timeout (SIGTERM, then SIGKILL), e.g. on the user's Ctrl-C. */
  signal?: AbortSignal;
  /** Live output, e.g. to pass k6's progress through to the user's terminal. */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Captured output is capped so that a chatty k6 cannot exhaust memory; the tail is kept. Default 8 MiB each. */
  maxCaptureBytes?: number;
}

export interface RunK6Result {
  /** k6's exit code (0 ok, 99 thresholds crossed, 104 bad script configuration, ...); null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
}

/** Keeps the last `max` characters of a stream (k6 prints its verdict at the end). */
class TailBuffer {
  private chunks: string[] = [];
  private size = 0;
  private dropped = false;
  constructor(private readonly max: number) {}
  push(chunk: string): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.max && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
      this.dropped = true;
    }
  }
  toString(): string {
    const text = this.chunks.join('');
    const tail = text.length > this.max ? text.slice(text.length - this.max) : text;
    return this.dropped || text.length > this.max ? `[earlier output dropped]\n${tail}` : tail;
  }
}

/** Runs k6 with the given arguments and resolves when it ends (never rejects for a non-zero exit). */
export function runK6(bin: string, args: readonly string[], options: RunK6Options = {}): Promise<RunK6Result> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const graceMs = options.killGraceMs ?? 5_000;
  const cap = options.maxCaptureBytes ?? 8 * 1024 * 1024;
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    if (options.signal?.aborted) {
      resolvePromise({
        code: null,
        signal: null,
        stdout: '',
        stderr: '',
        timedOut: false,
        aborted: true,
        durationMs: 0,
      });
      return;
    }
    const child = spawn(bin, args, {
      cwd: options.cwd,
      env: (options.env ?? process.env) as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const out = new TailBuffer(cap);
    const err = new TailBuffer(cap);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      out.push(c);
      options.onStdout?.(c);
    });
    child.stderr.on('data', (c: string) => {
      err.push(c);
      options.onStderr?.(c);
    });

    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      killTimer.unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const cleanup = (): void => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (e) => {
      cleanup();
      reject(new Error(`cannot run k6 (${bin}): ${e.message}`));
    });
    child.on('close', (code, signal) => {
      cleanup();
      resolvePromise({
        code,
        signal,
        stdout: out.toString(),
        stderr: err.toString(),
        timedOut,
        aborted,
        durationMs: performance.now() - started,
      });
    });
  });
}
