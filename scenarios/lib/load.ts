// Load shapes: k6 scenario objects built from the configuration. The named presets (load, stress,
// spike, soak) and the capacity steps are plain functions over the same config, so every entry
// point runs the same session code under any shape. Pure: no k6 imports.
import type { Scenario } from 'k6/options';
import { ConfigError, type LoadPreset, type ScenarioConfig, type Stage } from './config.ts';
import { durationMs } from '../../model/duration.ts';

export interface ShapeDefaults {
  /** Sessions per second when RATE is not set. */
  rate: number;
  duration: string;
}

/** k6 lets iterations that run past the end of a scenario finish for this long: sessions think. */
const GRACEFUL_STOP = '1m';

/** VUs for an arrival rate: enough for sessions that last about a minute at the peak rate. */
export function vusFor(config: ScenarioConfig, peakRate: number): { preAllocatedVUs: number; maxVUs: number } {
  const maxVUs = config.maxVUs ?? Math.max(20, Math.ceil(peakRate * 60));
  const preAllocatedVUs = Math.min(maxVUs, config.preAllocatedVUs ?? Math.max(2, Math.ceil(peakRate * 5)));
  return { preAllocatedVUs, maxVUs };
}

const TIME_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['1s', 1],
  ['1m', 60],
  ['1h', 3600],
];

/**
 * k6 takes only integer rates per timeUnit: sessions/s become sessions per minute (or hour) when
 * a rate has a fraction, so RATE=0.5 runs as 30 per 1m.
 */
export function timeUnitFor(rates: readonly number[]): { timeUnit: string; per: (rate: number) => number } {
  for (const [timeUnit, factor] of TIME_UNITS) {
    if (rates.every((r) => Math.abs(r * factor - Math.round(r * factor)) < 1e-9))
      return { timeUnit, per: (r) => Math.round(r * factor) };
  }
  return { timeUnit: '1h', per: (r) => Math.max(r > 0 ? 1 : 0, Math.round(r * 3600)) };
}

function ramping(
  config: ScenarioConfig,
  stages: Stage[],
  exec: string,
  tags: Record<string, string>,
  startRate = 0,
): Scenario {
  const peak = Math.max(...stages.map((s) => s.target), 1);
  const unit = timeUnitFor([startRate, ...stages.map((s) => s.target)]);
  return {
    executor: 'ramping-arrival-rate',
    exec,
    startRate: unit.per(startRate),
    timeUnit: unit.timeUnit,
    stages: stages.map((s) => ({ target: unit.per(s.target), duration: s.duration })),
    gracefulStop: config.gracefulStop ?? GRACEFUL_STOP,
    tags,
    ...vusFor(config, peak),
  };
}

const times = (rate: number, factor: number): number => Math.max(1, Math.round(rate * factor * 100) / 100);

/** A steady test at RATE: ramp up, hold for DURATION (default 10m), ramp down. */
export function load(config: ScenarioConfig, d: ShapeDefaults): Stage[] {
  const r = config.rate ?? d.rate;
  return [
    { target: r, duration: '1m' },
    { target: r, duration: config.duration ?? '10m' },
    { target: 0, duration: '30s' },
  ];
}

/** Beyond normal: RATE, then 2× and 3× RATE, each held for DURATION (default 3m). */
export function stress(config: ScenarioConfig, d: ShapeDefaults): Stage[] {
  const r = config.rate ?? d.rate;
  const hold = config.duration ?? '3m';
  return [
    { target: r, duration: '1m' },
    { target: r, duration: hold },
    { target: times(r, 2), duration: '1m' },
    { target: times(r, 2), duration: hold },
    { target: times(r, 3), duration: '1m' },
    { target: times(r, 3), duration: hold },
    { target: 0, duration: '1m' },
  ];
}

/** A sudden burst to 5× RATE for one minute, and back: does the target recover? */
export function spike(config: ScenarioConfig, d: ShapeDefaults): Stage[] {
  const r = config.rate ?? d.rate;
  return [
    { target: r, duration: '30s' },
    { target: r, duration: config.duration ?? '1m' },
    { target: times(r, 5), duration: '10s' },
    { target: times(r, 5), duration: '1m' },
    { target: r, duration: '10s' },
    { target: r, duration: config.duration ?? '1m' },
    { target: 0, duration: '10s' },
  ];
}

/** RATE held for hours (DURATION, default 2h): leaks, growing queues, budgets running out. */
export function soak(config: ScenarioConfig, d: ShapeDefaults): Stage[] {
  const r = config.rate ?? d.rate;
  return [
    { target: r, duration: '2m' },
    { target: r, duration: config.duration ?? '2h' },
    { target: 0, duration: '2m' },
  ];
}

export const PRESET_SHAPES: Record<LoadPreset, (config: ScenarioConfig, d: ShapeDefaults) => Stage[]> = {
  load,
  stress,
  spike,
  soak,
};

/**
 * The scenario for an open-model entry point: STAGES, else a LOAD preset, else a constant arrival
 * rate of RATE sessions/s for DURATION; VUS instead runs a closed model (VUS looping sessions).
 */
export function openModel(
  config: ScenarioConfig,
  exec: string,
  d: ShapeDefaults,
  tags: Record<string, string> = {},
): Scenario {
  const shapes = [config.stages && 'STAGES', config.load && 'LOAD', config.vus && 'VUS'].filter(Boolean);
  if (shapes.length > 1)
    throw new ConfigError(shapes[1] as string, `cannot be combined with ${shapes[0]}: set one load shape`);
  if (config.vus !== undefined) {
    if (config.rate !== undefined)
      throw new ConfigError('VUS', 'runs a closed model (VUs looping sessions) and cannot be combined with RATE');
    return {
      executor: 'constant-vus',
      exec,
      vus: config.vus,
      duration: config.duration ?? d.duration,
      gracefulStop: config.gracefulStop ?? GRACEFUL_STOP,
      tags,
    };
  }
  if (config.stages) return ramping(config, config.stages, exec, tags);
  if (config.load) return ramping(config, PRESET_SHAPES[config.load](config, d), exec, { ...tags, load: config.load });
  const rate = config.rate ?? d.rate;
  const unit = timeUnitFor([rate]);
  return {
    executor: 'constant-arrival-rate',
    exec,
    rate: unit.per(rate),
    timeUnit: unit.timeUnit,
    duration: config.duration ?? d.duration,
    gracefulStop: config.gracefulStop ?? GRACEFUL_STOP,
    tags,
    ...vusFor(config, rate),
  };
}

/** A capacity step: the rate held, and the ramp that leads to it. */
export interface CapacityStep {
  rate: number;
  /** The ramp to the rate; for a first step with a warm-up, the warm-up at the rate. */
  ramp: string;
  hold: string;
  /** The first step starts at its rate: `ramp` is a warm-up at that rate, not a climb from 0. */
  warmup?: boolean;
}

/**
 * Stepped rates from RATE, RATE_STEP apart, STEPS of them (env read by the capacity scenario). With
 * a warm-up, the first step starts at its rate and holds it for the warm-up instead of ramping to it.
 */
export function capacitySteps(
  start: number,
  step: number,
  count: number,
  hold: string,
  ramp: string,
  warmup?: string,
): CapacityStep[] {
  return Array.from({ length: count }, (_, i) => ({
    rate: Math.round((start + i * step) * 100) / 100,
    ramp,
    hold,
    ...(i === 0 && warmup !== undefined ? { ramp: warmup, warmup: true } : {}),
  }));
}

export function capacityScenario(config: ScenarioConfig, steps: CapacityStep[], exec: string): Scenario {
  const stages: Stage[] = steps.flatMap((s) => [
    { target: s.rate, duration: s.ramp },
    { target: s.rate, duration: s.hold },
  ]);
  const first = steps[0];
  return ramping(config, stages, exec, {}, first?.warmup ? first.rate : 0);
}

/**
 * When the capacity scenario's executor should start iteration `k`, ms after the scenario's
 * start: where the count of arrivals so far (the integral of the rate, ramps linear, rates as k6
 * rounds them to its time unit) reaches k. Against it, a session's real start says how late k6 was.
 */
export function scheduledStartMs(steps: readonly CapacityStep[], k: number): number {
  const unit = timeUnitFor(steps.map((s) => s.rate));
  const factor = unit.timeUnit === '1s' ? 1 : unit.timeUnit === '1m' ? 60 : 3600;
  const perMs = (rate: number): number => unit.per(rate) / factor / 1000;
  let offset = 0;
  let count = 0;
  let from = steps[0]?.warmup ? perMs(steps[0].rate) : 0;
  for (const s of steps) {
    const to = perMs(s.rate);
    for (const [a0, a1, ms] of [
      [from, to, durationMs(s.ramp)],
      [to, to, durationMs(s.hold)],
    ] as const) {
      const a = (a1 - a0) / (2 * ms || 1);
      const inSegment = a0 * ms + a * ms * ms;
      if (k < count + inSegment) {
        const c = k - count;
        return offset + (Math.abs(a) < 1e-15 ? c / a0 : (-a0 + Math.sqrt(Math.max(0, a0 * a0 + 4 * a * c))) / (2 * a));
      }
      offset += ms;
      count += inSegment;
    }
    from = to;
  }
  return offset;
}

/**
 * The capacity step running `elapsedMs` after the scenario started: its rate as a string (the
 * `stage` tag), or `ramp` between steps (and during a warm-up). Sessions are tagged by the step in
 * which they started.
 */
export function stageAt(steps: CapacityStep[], elapsedMs: number): string {
  return capacityTagsAt(steps, elapsedMs).stage;
}

/** The `stage` tag, and within a step's hold the `half` (1 or 2) in which the session started. */
export function capacityTagsAt(steps: CapacityStep[], elapsedMs: number): { stage: string; half?: '1' | '2' } {
  let t = 0;
  for (const s of steps) {
    t += durationMs(s.ramp);
    if (elapsedMs < t) return { stage: 'ramp' };
    const hold = durationMs(s.hold);
    if (elapsedMs < t + hold) return { stage: String(s.rate), half: elapsedMs < t + hold / 2 ? '1' : '2' };
    t += hold;
  }
  return { stage: 'ramp' };
}

/**
 * When session i starts (ms after the scenario starts) under ramping-arrival-rate stages, as k6
 * runs them: the rate moves linearly from the previous stage's target (`startRate` before the
 * first) to the stage's own over its duration, and session i starts where the arrivals so far
 * (the integral of the rate) reach i. Infinity once the stages end. The Node engine paces
 * generated sessions with it, so both engines follow the same shape.
 */
export function stageStarts(
  stages: readonly Stage[],
  startRate = 0,
): { startMs: (index: number) => number; durationMs: number; peak: number } {
  const at: number[] = [];
  const len: number[] = [];
  const from: number[] = [];
  const to: number[] = [];
  const before: number[] = [];
  let t = 0;
  let total = 0;
  let r0 = startRate / 1000;
  let peak = startRate;
  for (const s of stages) {
    const d = durationMs(s.duration);
    const r1 = s.target / 1000;
    at.push(t);
    len.push(d);
    from.push(r0);
    to.push(r1);
    before.push(total);
    total += ((r0 + r1) / 2) * d;
    t += d;
    r0 = r1;
    if (s.target > peak) peak = s.target;
  }
  const startMs = (index: number): number => {
    if (index > total) return Infinity;
    // The first stage by whose end the arrivals reach the index.
    let lo = 0;
    let hi = at.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((before[mid] as number) + (((from[mid] as number) + (to[mid] as number)) / 2) * (len[mid] as number) >= index)
        hi = mid;
      else lo = mid + 1;
    }
    const x = index - (before[lo] as number);
    const a = from[lo] as number;
    const slope = ((to[lo] as number) - a) / (len[lo] as number);
    const dt =
      Math.abs(slope) < 1e-15 ? (a > 0 ? x / a : 0) : (-a + Math.sqrt(Math.max(0, a * a + 2 * slope * x))) / slope;
    return (at[lo] as number) + Math.min(len[lo] as number, Math.max(0, dt));
  };
  return { startMs, durationMs: t, peak };
}
