// What the harness records while a test runs, for tests to assert on.
import type { Phase, Tags } from './host-api.ts';

export interface HarnessRequest {
  vu: number;
  /** The iteration's index in the test (exec.scenario.iterationInTest); -1 outside iterations. */
  iteration: number;
  phase: Phase;
  group: string;
  method: string;
  url: string;
  path: string;
  query: Record<string, string>;
  /** The request's tags as k6 would record them (system tags plus the script's). */
  tags: Tags;
  /** Request headers as sent; the Authorization value is redacted. */
  headers: Record<string, string>;
  /** The request body as the target read it (parsed JSON, or the raw text when not JSON); undefined for none. */
  requestBody: unknown;
  /** The request body as sent, byte for byte; null for none. */
  requestText: string | null;
  /** 0 when the request got no answer (wrong origin). */
  status: number;
  /** The answer's body (parsed JSON) or undefined when there was none. */
  responseBody: unknown;
  /** k6's error text for a request without an answer, '' otherwise. */
  error: string;
  durationMs: number;
}

export interface FailedCheck {
  name: string;
  group: string;
  vu: number;
  iteration: number;
  tags: Tags;
}

export interface IterationError {
  vu: number;
  iteration: number;
  message: string;
  stack?: string;
}

export interface ConsoleEntry {
  vu: number;
  phase: Phase;
  iteration: number;
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  message: string;
}

export interface SleepRecord {
  vu: number;
  iteration: number;
  seconds: number;
}

/** An error thrown into or out of a VU, described without relying on its realm's Error class. */
export function describeError(err: unknown): { message: string; stack?: string } {
  if (err !== null && typeof err === 'object') {
    const e = err as { message?: unknown; stack?: unknown; name?: unknown };
    const message = typeof e.message === 'string' ? e.message : String(err);
    const stack = typeof e.stack === 'string' ? e.stack : undefined;
    return stack ? { message, stack } : { message };
  }
  return { message: String(err) };
}
