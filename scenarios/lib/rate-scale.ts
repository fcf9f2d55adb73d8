// RATE_SCALE: a run that follows a learned profile's recorded arrival curve, scaled. Pure and
// k6-safe: the k6 entry points and the Node engine call the same function, so both follow the
// same stages. The curve becomes ramping-arrival-rate stages (each bucket of the day held at
// RATE_SCALE × its recorded rate, with a short ramp between buckets), played CURVE_SPEED times
// faster than the clock from DAY_START (default: where the recording started) for DURATION
// (default: the recorded part of the day). With a LOAD preset instead, the preset runs at
// RATE_SCALE × the curve's busiest bucket. The profile's repeat visits per customer scale too: at
// 5× the traffic, a recording's worth of sessions is 5× as many.
import { resolveProfile, type ArrivalCurve, type TrafficProfile } from '../../generators/profiles.ts';
import { ConfigError, type ScenarioConfig, type Stage } from './config.ts';
import { durationMs } from '../../model/duration.ts';

export interface RateScaled {
  config: ScenarioConfig;
  profile: TrafficProfile;
  /** What the run follows, for the user. */
  note?: string;
  /** What RATE_SCALE changed in the configuration, and the note (a k6 test works it out once, with the profile's compilation). */
  shape?: RunShape;
}

/** A RATE_SCALE run's load shape: the curve's stages, or a LOAD preset's rate. */
export interface RunShape {
  stages?: Stage[];
  rate?: number;
  note: string;
}

const DAY_MS = 86_400_000;

/** The busiest recorded rate of the curve (sessions/s). */
export function peakRate(a: ArrivalCurve): number {
  let peak = 0;
  for (const v of a.sessionsPerSecond) if (v !== null && v > peak) peak = v;
  return peak;
}

/** Buckets recorded in a row from `start` (wrapping midnight), at most a day: the default length of a curve run. */
function recordedRun(a: ArrivalCurve, start: number): number {
  const n = a.sessionsPerSecond.length;
  let k = 0;
  while (k < n && a.sessionsPerSecond[(start + k) % n] !== null) k++;
  return Math.max(1, k);
}

function ms(v: number): string {
  return `${Math.max(1, Math.round(v))}ms`;
}

/**
 * The curve as stages: `scale` × the recorded rate of each bucket from `startBucket` on, each
 * bucket lasting bucketMinutes ÷ `speed`, for `lengthMs` of run time. A change of rate ramps over
 * at most a second (a tenth of the bucket when shorter); unrecorded buckets run at 0.
 */
export function curveStages(
  a: ArrivalCurve,
  scale: number,
  speed: number,
  startBucket: number,
  lengthMs: number,
): Stage[] {
  const n = a.sessionsPerSecond.length;
  const bucket = (a.bucketMinutes * 60_000) / speed;
  const stages: Stage[] = [];
  let prev: number | undefined;
  let holdMs = 0;
  const flush = (): void => {
    if (prev !== undefined && holdMs > 0) stages.push({ target: prev, duration: ms(holdMs) });
    holdMs = 0;
  };
  for (let t = 0, b = startBucket; t < lengthMs; t += bucket, b = (b + 1) % n) {
    const rate = Number((scale * (a.sessionsPerSecond[b] ?? 0)).toPrecision(6));
    const len = Math.min(bucket, lengthMs - t);
    if (rate === prev) {
      holdMs += len;
      continue;
    }
    flush();
    const ramp = Math.min(1000, len / 10);
    stages.push({ target: rate, duration: ms(ramp) });
    prev = rate;
    holdMs = len - ramp;
  }
  flush();
  return stages;
}

/**
 * The configuration and profile of a RATE_SCALE run (unchanged without RATE_SCALE). Throws
 * ConfigError naming the variable when the combination cannot work.
 */
export function applyRateScale(config: ScenarioConfig, profile: TrafficProfile): RateScaled {
  const scale = config.rateScale;
  if (scale === undefined) {
    const stray =
      config.curveSpeed !== undefined ? 'CURVE_SPEED' : config.dayStartMinute !== undefined ? 'DAY_START' : undefined;
    if (stray) throw new ConfigError(stray, 'shapes a RATE_SCALE run; set RATE_SCALE too');
    return { config, profile };
  }
  const a = profile.arrival;
  if (!a)
    throw new ConfigError(
      'RATE_SCALE',
      `needs a learned arrival curve, and profile ${JSON.stringify(profile.name)} has none (learn one with \`cartload learn <recording>\`)`,
    );
  const clash = [
    config.rate !== undefined && 'RATE',
    config.stages && 'STAGES',
    config.vus !== undefined && 'VUS',
  ].find(Boolean);
  if (clash)
    throw new ConfigError(
      'RATE_SCALE',
      `sets the rate from the recorded arrival curve and cannot be combined with ${clash}`,
    );
  const out: ScenarioConfig = { ...config };
  let note: string;
  const peak = peakRate(a);
  if (config.load !== undefined) {
    if (config.curveSpeed !== undefined || config.dayStartMinute !== undefined) {
      throw new ConfigError(
        config.curveSpeed !== undefined ? 'CURVE_SPEED' : 'DAY_START',
        `shapes the arrival curve, which LOAD=${config.load} replaces`,
      );
    }
    out.rate = Number((scale * peak).toPrecision(6));
    note = `LOAD ${config.load} at ${out.rate} sessions/s: ${scale} × the recorded peak of ${peak}/s`;
  } else {
    const speed = config.curveSpeed ?? 1;
    const bucketMs = a.bucketMinutes * 60_000;
    const start = config.dayStartMinute === undefined ? a.start : Math.floor(config.dayStartMinute / a.bucketMinutes);
    const lengthMs =
      config.duration !== undefined ? durationMs(config.duration) : (recordedRun(a, start) * bucketMs) / speed;
    if (lengthMs > 31 * DAY_MS)
      throw new ConfigError('DURATION', 'is longer than a month of the curve: shorten it or raise CURVE_SPEED');
    out.stages = curveStages(a, scale, speed, start, lengthMs);
    if (!out.stages.some((s) => s.target > 0))
      throw new ConfigError(
        config.dayStartMinute !== undefined ? 'DAY_START' : 'DURATION',
        'covers no recorded arrivals: every bucket of the curve it runs over is empty',
      );
    const hhmm = (m: number): string =>
      `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    note = `the recorded arrival curve × ${scale} from ${hhmm(start * a.bucketMinutes)} UTC${speed !== 1 ? `, ${speed}× faster than recorded` : ''}, for ${Math.round(lengthMs / 1000)} s (peak ${Number((scale * peak).toPrecision(6))} sessions/s)`;
  }
  const spp = profile.profiles.sessionsPerProfile;
  const scaled = spp
    ? resolveProfile({
        ...profile,
        profiles: {
          ...profile.profiles,
          sessionsPerProfile: {
            weights: spp.weights,
            window: Math.min(1e9, Math.max(1, Math.round(spp.window * scale))),
          },
        },
      })
    : profile;
  const shape: RunShape = {
    ...(out.stages ? { stages: out.stages } : {}),
    ...(out.rate !== undefined ? { rate: out.rate } : {}),
    note,
  };
  return { config: out, profile: scaled, note, shape };
}
