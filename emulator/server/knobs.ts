// Knobs for testing the toolkit itself: added latency, injected errors, and a capacity (workers
// with a service time, queueing beyond them) that gives the target a real saturation point.
// Durations are fixed or drawn from a seeded distribution, so runs repeat.

export type Distribution =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'exponential'; mean: number }
  | { kind: 'normal'; mean: number; sd: number };

export interface CapacityKnob {
  /** Requests served at once; the rest wait in a first-come queue. */
  workers: number;
  /** How long one request occupies a worker. */
  serviceTime: Distribution | string;
  /** Most requests waiting for a worker; beyond it requests get 503 at once. Default: unbounded. */
  queueLimit?: number;
}

export interface TargetKnobs {
  /** Added to every session request while it holds its session and profile (like processing time). */
  latency?: Distribution | string;
  /** Share (0..1) of session requests answered with `errorStatus` instead of being processed. */
  errorRate?: number;
  errorStatus?: number;
  capacity?: CapacityKnob;
  /** Seed of the random draws (latency, service time, injected errors). */
  seed?: number;
}

const NUM = String.raw`(\d+(?:\.\d+)?)`;
const FORMS: [RegExp, (m: number[]) => Distribution][] = [
  [new RegExp(`^${NUM}$`), ([ms]) => ({ kind: 'fixed', ms: ms! })],
  [new RegExp(`^${NUM}\\.\\.${NUM}$`), ([min, max]) => ({ kind: 'uniform', min: min!, max: max! })],
  [new RegExp(`^uniform:${NUM}:${NUM}$`), ([min, max]) => ({ kind: 'uniform', min: min!, max: max! })],
  [new RegExp(`^exp:${NUM}$`), ([mean]) => ({ kind: 'exponential', mean: mean! })],
  [new RegExp(`^normal:${NUM}:${NUM}$`), ([mean, sd]) => ({ kind: 'normal', mean: mean!, sd: sd! })],
];

export const DISTRIBUTION_FORMS =
  '"50" (fixed ms), "20..80" (uniform), "exp:50" (exponential, mean), "normal:50:10" (mean:sd)';

/** Parses a duration spec; throws a RangeError naming the knob and the accepted forms. */
export function parseDistribution(spec: Distribution | string, knob: string): Distribution {
  if (typeof spec !== 'string') return checkDistribution(spec, knob);
  const s = spec.trim();
  for (const [re, build] of FORMS) {
    const m = re.exec(s);
    if (m) return checkDistribution(build(m.slice(1).map(Number)), knob);
  }
  throw new RangeError(`${knob}: cannot read ${JSON.stringify(spec)}; use ${DISTRIBUTION_FORMS}`);
}

function checkDistribution(d: Distribution, knob: string): Distribution {
  const values = Object.entries(d).filter(([k]) => k !== 'kind');
  for (const [k, v] of values) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new RangeError(`${knob}: ${k} must be a number ≥ 0`);
  }
  if (d.kind === 'uniform' && d.min > d.max)
    throw new RangeError(`${knob}: the lower bound ${d.min} is above the upper bound ${d.max}`);
  return d;
}

/** mulberry32: small, fast and good enough for drawing delays. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sampler(d: Distribution, random: () => number): () => number {
  switch (d.kind) {
    case 'fixed':
      return () => d.ms;
    case 'uniform':
      return () => d.min + (d.max - d.min) * random();
    case 'exponential':
      return () => -d.mean * Math.log(1 - random());
    case 'normal':
      // Box–Muller; negative draws are clamped to 0 (a delay cannot be negative).
      return () =>
        Math.max(0, d.mean + d.sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
  }
}

export interface ResolvedKnobs {
  latency?: () => number;
  errorRate: number;
  errorStatus: number;
  capacity?: { workers: number; serviceTime: () => number; queueLimit: number };
  random: () => number;
  /** True when any knob makes requests wait: then concurrency control has something to do. */
  delays: boolean;
  /** The knobs as given, normalised, for /__stats. */
  describe: Record<string, unknown>;
}

export function resolveKnobs(k: TargetKnobs = {}): ResolvedKnobs {
  const random = seededRandom(k.seed ?? 1);
  const errorRate = k.errorRate ?? 0;
  if (!(errorRate >= 0 && errorRate <= 1))
    throw new RangeError(`error rate must be between 0 and 1, got ${k.errorRate}`);
  const errorStatus = k.errorStatus ?? 503;
  if (!Number.isInteger(errorStatus) || errorStatus < 400 || errorStatus > 599)
    throw new RangeError(`error status must be an HTTP status from 400 to 599, got ${k.errorStatus}`);
  const out: ResolvedKnobs = {
    errorRate,
    errorStatus,
    random,
    delays: false,
    describe: { errorRate, errorStatus, seed: k.seed ?? 1 },
  };
  if (k.latency !== undefined) {
    const d = parseDistribution(k.latency, 'latency');
    if (!(d.kind === 'fixed' && d.ms === 0)) {
      out.latency = sampler(d, random);
      out.delays = true;
    }
    out.describe['latency'] = d;
  }
  if (k.capacity) {
    const { workers, queueLimit } = k.capacity;
    if (!Number.isInteger(workers) || workers < 1)
      throw new RangeError(`capacity workers must be an integer ≥ 1, got ${workers}`);
    if (queueLimit !== undefined && (!Number.isInteger(queueLimit) || queueLimit < 0))
      throw new RangeError(`capacity queue limit must be an integer ≥ 0, got ${queueLimit}`);
    const d = parseDistribution(k.capacity.serviceTime, 'service time');
    out.capacity = { workers, serviceTime: sampler(d, random), queueLimit: queueLimit ?? Infinity };
    out.delays = true;
    out.describe['capacity'] = { workers, serviceTime: d, queueLimit: queueLimit ?? null };
  }
  return out;
}
