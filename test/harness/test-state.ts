// State shared by every VU of one harness test: metrics, checks, shared arrays, opened files,
// the transport to the target, and everything recorded for the result.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tags } from './host-api.ts';
import { MetricsEngine } from './metrics.ts';
import type { ConsoleEntry, FailedCheck, HarnessRequest, IterationError, SleepRecord } from './records.ts';
import { GroupTree } from './summary-data.ts';
import type { TransportConfig } from './transport.ts';

export interface ScenarioInfo {
  name: string;
  executor: string;
  exec: string;
  env: Record<string, string>;
  tags: Tags;
}

export interface RecordingOptions {
  /** Keep every request (with bodies). Default true. */
  requests: boolean;
  /** Keep every metric sample. Default true. */
  samples: boolean;
  /** Keep metric values at all (false: thresholds and the summary see none; for memory measurements). Default true. */
  metrics?: boolean;
}

export class TestState {
  readonly metrics: MetricsEngine;
  readonly tree = new GroupTree();
  readonly sharedArrays = new Map<string, string[]>();
  private readonly files = new Map<string, Buffer>();
  readonly bundleDir: string;

  readonly requests: HarnessRequest[] = [];
  readonly checkTotals = new Map<string, { passes: number; fails: number }>();
  readonly failedChecks: FailedCheck[] = [];
  readonly errors: IterationError[] = [];
  readonly console: ConsoleEntry[] = [];
  readonly sleeps: SleepRecord[] = [];
  readonly targetErrors: string[] = [];

  /** The script's exported options (plain JSON), once VU 0 has run its init code. */
  options: Record<string, unknown> = {};
  scenario: ScenarioInfo = { name: 'default', executor: 'per-vu-iterations', exec: 'default', env: {}, tags: {} };
  aborted: { reason: string; byThreshold: boolean } | undefined;
  iterationsCompleted = 0;
  iterationsInterrupted = 0;
  plannedIterations = 0;
  vusInitialized = 0;
  sleptSeconds = 0;
  readonly startedAt = Date.now();
  private readonly startedPerf = performance.now();

  constructor(
    bundle: string,
    readonly env: Record<string, string>,
    readonly transport: TransportConfig,
    readonly recording: RecordingOptions,
    readonly printConsole: boolean,
    /** Longest a single call into a script (init, setup, one iteration, ...) may run synchronously. */
    readonly callTimeoutMs: number,
  ) {
    this.bundleDir = dirname(resolve(bundle));
    this.metrics = new MetricsEngine(recording.samples, recording.metrics !== false);
  }

  /** The test's duration as k6 would see it: real time plus every recorded (not slept) sleep. */
  elapsedMs(): number {
    return performance.now() - this.startedPerf + this.sleptSeconds * 1000;
  }

  /** open(): paths relative to the bundle's folder, as k6 resolves them from the script file. */
  readFile(path: string): Buffer {
    const file = path.startsWith('file://')
      ? fileURLToPath(path)
      : isAbsolute(path)
        ? path
        : resolve(this.bundleDir, path);
    let data = this.files.get(file);
    if (!data) {
      try {
        data = readFileSync(file);
      } catch {
        throw new Error(`open ${file}: no such file or directory`);
      }
      this.files.set(file, data);
    }
    return data;
  }

  countCheck(name: string, ok: boolean): void {
    let t = this.checkTotals.get(name);
    if (!t) {
      t = { passes: 0, fails: 0 };
      this.checkTotals.set(name, t);
    }
    if (ok) t.passes++;
    else t.fails++;
  }
}
