// One capacity probe with k6: a run of the capacity scenario with one step (STEPS=1) held for the
// hold after a WARMUP at its rate. The scenario's handleSummary writes the probe's measurements
// (capacity.json, read here) beside its summary.json and k6-summary.json, in the probe's own folder.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CapacityFile, CapacityProbe } from '../../model/capacity.ts';
import { durationMs } from '../../model/duration.ts';
import { runK6, type Env } from '../k6-binary.ts';

export interface K6ProbeContext {
  bin: string;
  /** The built capacity bundle (dist/capacity.js). */
  bundle: string;
  /** The scenario's variables common to every probe (target, key, seed, profile, think time, SLO, VUs). */
  env: Env;
  warmup: string;
  hold: string;
  /** How long sessions running at the end get to finish (GRACEFUL_STOP). */
  gracefulStop: string;
  probesDir: string;
  cwd: string;
  /**
   * Requests planned for session `index` of a run (k6 plans session i for its i-th iteration, from
   * the same seed, profile and pools): lets the offered rate be counted over the very sessions of the
   * hold, as the Node engine counts it, rather than estimated from the average session.
   */
  planned?: (index: number) => number;
  signal?: AbortSignal;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
}

export type K6ProbeOutcome = { probe: CapacityProbe } | { unavailable: string } | { failed: string };

/** k6 exits 0, or 99 when the run's checks missed their threshold: both are measurements. */
const MEASURED = new Set([0, 99]);

function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

export function k6Prober(
  ctx: K6ProbeContext,
): (rate: number, phase: CapacityProbe['phase'], n: number) => Promise<K6ProbeOutcome> {
  return async (rate, phase, n) => {
    const id = `probe-${String(n).padStart(2, '0')}-${String(rate).replace('.', '_')}`;
    await mkdir(join(ctx.probesDir, id), { recursive: true });
    const env: Env = {
      ...ctx.env,
      RATE: String(rate),
      RATE_STEP: String(rate),
      STEPS: '1',
      STEP_DURATION: ctx.hold,
      WARMUP: ctx.warmup,
      GRACEFUL_STOP: ctx.gracefulStop,
      RUN_ID: id,
      // k6 does not create folders: handleSummary writes into RUN_DIR, made above.
      RUN_DIR: join(ctx.probesDir, id),
    };
    const res = await runK6(ctx.bin, ['run', '--quiet', ctx.bundle], {
      env,
      cwd: ctx.cwd,
      // The probe, its graceful stop, and slack for k6's start and end.
      timeoutMs: durationMs(ctx.warmup) + durationMs(ctx.hold) + durationMs(ctx.gracefulStop) + 120_000,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.onStdout ? { onStdout: ctx.onStdout } : {}),
      ...(ctx.onStderr ? { onStderr: ctx.onStderr } : {}),
    });
    const interrupted = res.aborted || ctx.signal?.aborted === true;
    if (!interrupted && (res.code === null || !MEASURED.has(res.code))) {
      const why = res.timedOut ? 'ran past its time limit and was stopped' : `exited ${res.code ?? res.signal}`;
      // 107: setup() threw, which is how the scenarios refuse an unreachable target or a wrong key.
      const message = `k6 ${why} for the probe at ${rate} sessions/s${tail(res.stderr || res.stdout) ? `:\n${tail(res.stderr || res.stdout)}` : ''}`;
      return res.code === 107 && n === 1 ? { unavailable: message } : { failed: message };
    }
    let file: Partial<CapacityFile>;
    try {
      file = JSON.parse(await readFile(join(ctx.probesDir, id, 'capacity.json'), 'utf8')) as Partial<CapacityFile>;
    } catch (err) {
      if (interrupted) {
        const empty: CapacityProbe = {
          n,
          phase,
          rate,
          warmupMs: durationMs(ctx.warmup),
          holdMs: durationMs(ctx.hold),
          offered: { sessionsPerSec: rate, requestsPerSec: 0 },
          achieved: { sessionsPerSec: 0, requestsPerSec: 0 },
          latency: { count: 0, p50: 0, p95: 0, p99: 0, max: 0 },
          requests: 0,
          failed: 0,
          conflicts409: 0,
          statuses: {},
          generator: {
            delivered: false,
            measuring: false,
            droppedSessions: 0,
            notes: ['interrupted before k6 wrote its summary'],
          },
          dir: join('probes', id),
          interrupted: true,
        };
        return { probe: empty };
      }
      return { failed: `k6 wrote no capacity.json for the probe at ${rate} sessions/s (${(err as Error).message})` };
    }
    const measured = file.probes?.[0];
    if (!measured)
      return { failed: `k6's summary of the probe at ${rate} sessions/s holds no step: the run ended before the hold` };
    const probe: CapacityProbe = {
      ...measured,
      n,
      phase,
      dir: join('probes', id),
      ...(interrupted ? { interrupted: true } : {}),
    };
    if (ctx.planned) {
      // The requests of the sessions whose answers fall in the hold: those that started one typical
      // session duration before it (iteration i starts at i / rate s; the warm-up runs at the rate).
      const w = durationMs(ctx.warmup);
      const h = durationMs(ctx.hold);
      const shift = Math.min(w, Math.max(0, probe.sessionP50Ms ?? 0));
      let planned = 0;
      for (let i = Math.ceil(((w - shift) * rate) / 1000); i < Math.ceil(((w + h - shift) * rate) / 1000); i++)
        planned += ctx.planned(i);
      const perSession = planned / ((h / 1000) * rate);
      probe.offered = { sessionsPerSec: rate, requestsPerSec: planned / (h / 1000) };
      probe.achieved = {
        ...probe.achieved,
        sessionsPerSec: perSession > 0 ? probe.achieved.requestsPerSec / perSession : 0,
      };
    }
    return { probe };
  };
}
