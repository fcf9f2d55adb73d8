// When an arrival-rate executor starts its iterations, as k6 computes it: constant-arrival-rate at
// `rate` per `timeUnit` for `duration`; ramping-arrival-rate from `startRate`, the rate moving
// linearly to each stage's target over its duration. Iteration k starts when the count of arrivals
// so far (the rate's integral) reaches k, so the first starts at 0. Pure.
import { parseK6Duration } from '../../../model/duration.ts';

export interface ArrivalPlan {
  /** Milliseconds from the scenario's start of each iteration, in order (lazily). */
  starts: () => Iterator<number>;
  /** When the last iteration may start: the scenario's duration, ms. */
  durationMs: number;
  preAllocatedVUs: number;
  maxVUs: number;
  gracefulStopMs: number;
}

function ms(value: unknown, what: string): number {
  const d = parseK6Duration(value);
  if ('error' in d) throw new Error(`${what}: ${d.error}`);
  return d.ms;
}

interface Segment {
  /** Arrivals per ms at the segment's start and end. */
  from: number;
  to: number;
  ms: number;
}

function* arrivals(segments: readonly Segment[]): Generator<number> {
  let offset = 0;
  let count = 0; // arrivals before this segment
  let k = 0;
  for (const s of segments) {
    const a = (s.to - s.from) / (2 * s.ms);
    const b = s.from;
    const inSegment = b * s.ms + a * s.ms * s.ms;
    while (k < count + inSegment - 1e-9) {
      const c = k - count;
      const t = Math.abs(a) < 1e-15 ? c / b : (-b + Math.sqrt(Math.max(0, b * b + 4 * a * c))) / (2 * a);
      yield offset + t;
      k++;
    }
    offset += s.ms;
    count += inSegment;
  }
}

/** The plan of an arrival-rate scenario (its options as k6 validated them); other executors are refused. */
export function arrivalPlan(scenario: Record<string, unknown>): ArrivalPlan {
  const executor = scenario.executor;
  const unit = ms(scenario.timeUnit ?? '1s', 'timeUnit');
  const perMs = (rate: unknown): number => Number(rate) / unit;
  const gracefulStopMs = ms(scenario.gracefulStop ?? '30s', 'gracefulStop');
  const maxVUs = Number(scenario.maxVUs ?? scenario.preAllocatedVUs);
  const preAllocatedVUs = Number(scenario.preAllocatedVUs);
  let segments: Segment[];
  if (executor === 'constant-arrival-rate') {
    const r = perMs(scenario.rate);
    segments = [{ from: r, to: r, ms: ms(scenario.duration, 'duration') }];
  } else if (executor === 'ramping-arrival-rate') {
    let from = perMs(scenario.startRate ?? 0);
    segments = ((scenario.stages ?? []) as { target: number; duration: string }[]).map((st) => {
      const to = perMs(st.target);
      const seg = { from, to, ms: ms(st.duration, 'stage duration') };
      from = to;
      return seg;
    });
  } else {
    throw new Error(`the paced k6 stand-in runs arrival-rate scenarios only, not ${String(executor)}`);
  }
  const durationMs = segments.reduce((sum, s) => sum + s.ms, 0);
  return {
    starts: () => arrivals(segments.filter((s) => s.ms > 0)),
    durationMs,
    preAllocatedVUs,
    maxVUs: Math.max(maxVUs, preAllocatedVUs),
    gracefulStopMs,
  };
}
