// The numbers the HTML report draws, computed from a run's results: per time slice the request and
// error rates, per step the latency percentiles, the lag, the VUs; the lifecycle outcomes; a
// capacity curve when the run has one. Slices with nothing in them are filled in (rates 0,
// percentiles absent), so time runs evenly along the charts. Pure: no Node APIs.
import { LogHistogram } from '../data/histogram.ts';
import type { CapacityCurve, Results } from '../data/format.ts';

/** A value per slice; null where the slice had no sample. */
export type Series = (number | null)[];

export interface ChartData {
  /** Slice starts, epoch seconds (uPlot's time unit). */
  x: number[];
  widthMs: number;
  requestsPerSecond: number[];
  errorsPerSecond: number[];
  /** Per step: p50, p95, p99 of the slice (ms). */
  latency: Record<string, { p50: Series; p95: Series; p99: Series }>;
  /** Open-model engines: lag p50 and p99, and the wait for a predecessor (p99), ms. */
  lag?: { p50: Series; p99: Series; waitingP99: Series };
  /** k6: the most VUs active in the slice. */
  vus?: Series;
  sessions: { kind: string; completed: number; failed: number }[];
  capacity?: CapacityCurve;
}

/** Most slices drawn: a finer timeline is shown coarser (charts are read by eye, not by the pixel). */
const MAX_POINTS = 2000;

const ms = (us: number): number => Math.round(us) / 1000;

export function chartData(r: Results): ChartData {
  const width = r.timeline.widthMs;
  const slices = r.timeline.slices;
  const byT = new Map(slices.map((s) => [s.t, s]));
  const first = slices[0]?.t;
  const last = slices[slices.length - 1]?.t;
  const x: number[] = [];
  if (first !== undefined && last !== undefined) {
    const count = (last - first) / width + 1;
    const stride = Math.max(1, Math.ceil(count / MAX_POINTS));
    for (let t = first; t <= last; t += width * stride) x.push(t);
    if (stride > 1) return chartData(coarser(r, width * stride));
  }
  const steps = Object.keys(r.requests.byStep).sort();
  const latency: ChartData['latency'] = {};
  for (const step of steps) latency[step] = { p50: [], p95: [], p99: [] };
  const requestsPerSecond: number[] = [];
  const errorsPerSecond: number[] = [];
  const hasLag = slices.some((s) => s.lag || s.waiting) || r.lag !== undefined;
  const lag = hasLag ? { p50: [] as Series, p99: [] as Series, waitingP99: [] as Series } : undefined;
  const hasVus = slices.some((s) => s.gauges?.vus !== undefined);
  const vus: Series | undefined = hasVus ? [] : undefined;
  for (const t of x) {
    const s = byT.get(t);
    let n = 0;
    let failed = 0;
    for (const step of steps) {
      const st = s?.steps[step];
      n += st?.n ?? 0;
      failed += st?.failed ?? 0;
      const h = st ? LogHistogram.decode(st.latency) : undefined;
      const l = latency[step]!;
      l.p50.push(h && h.n > 0 ? ms(h.quantile(0.5)) : null);
      l.p95.push(h && h.n > 0 ? ms(h.quantile(0.95)) : null);
      l.p99.push(h && h.n > 0 ? ms(h.quantile(0.99)) : null);
    }
    requestsPerSecond.push((1000 * n) / width);
    errorsPerSecond.push((1000 * failed) / width);
    if (lag) {
      const lh = s?.lag ? LogHistogram.decode(s.lag) : undefined;
      const wh = s?.waiting ? LogHistogram.decode(s.waiting) : undefined;
      lag.p50.push(lh && lh.n > 0 ? ms(lh.quantile(0.5)) : null);
      lag.p99.push(lh && lh.n > 0 ? ms(lh.quantile(0.99)) : null);
      lag.waitingP99.push(wh && wh.n > 0 ? ms(wh.quantile(0.99)) : null);
    }
    vus?.push(s?.gauges?.vus ?? null);
  }
  const sessions = Object.entries(r.sessions.byKind)
    .map(([kind, k]) => ({ kind, completed: k.completed, failed: k.failed }))
    .sort((a, b) => a.kind.localeCompare(b.kind));
  return {
    x: x.map((t) => t / 1000),
    widthMs: width,
    requestsPerSecond,
    errorsPerSecond,
    latency,
    ...(lag ? { lag } : {}),
    ...(vus ? { vus } : {}),
    sessions,
    ...(r.capacity ? { capacity: r.capacity } : {}),
  };
}

/** The same results on wider slices (a multiple of the current width, not necessarily a format width). */
function coarser(r: Results, widthMs: number): Results {
  const merged = new Map<number, Results['timeline']['slices'][number]>();
  for (const s of r.timeline.slices) {
    const t = Math.floor(s.t / widthMs) * widthMs;
    const into = merged.get(t);
    if (!into) {
      merged.set(t, { ...s, t, steps: { ...s.steps } });
      continue;
    }
    for (const [step, st] of Object.entries(s.steps)) {
      const a = into.steps[step];
      if (!a) into.steps[step] = st;
      else
        into.steps[step] = {
          n: a.n + st.n,
          failed: a.failed + st.failed,
          latency: LogHistogram.decode(a.latency).add(LogHistogram.decode(st.latency)).encode(),
        };
    }
    if (s.lag) into.lag = into.lag ? LogHistogram.decode(into.lag).add(LogHistogram.decode(s.lag)).encode() : s.lag;
    if (s.waiting)
      into.waiting = into.waiting
        ? LogHistogram.decode(into.waiting).add(LogHistogram.decode(s.waiting)).encode()
        : s.waiting;
    if (s.gauges?.vus !== undefined)
      into.gauges = { ...into.gauges, vus: Math.max(into.gauges?.vus ?? 0, s.gauges.vus) };
  }
  return { ...r, timeline: { widthMs, slices: [...merged.values()].sort((a, b) => a.t - b.t) } };
}
