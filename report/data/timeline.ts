// Time slices of a run: per step the requests, failures and a latency histogram; lag; counters
// and gauges. Slices start at multiples of their width in epoch time, so the slices of runs that
// ran side by side (k6 instances, replay shards) line up and merge by adding. A long run is
// coarsened to the next width of TIMELINE_WIDTHS_MS (each divides the next) so that it never holds
// more than MAX_SLICES slices: memory and file size stay bounded whatever the duration.
// Pure: no Node APIs.
import { LogHistogram } from './histogram.ts';
import { MAX_SLICES, TIMELINE_WIDTHS_MS, type Slice, type Timeline } from './format.ts';

export class SliceStepAcc {
  n = 0;
  failed = 0;
  readonly latency = new LogHistogram();
}

export class SliceAcc {
  readonly steps = new Map<string, SliceStepAcc>();
  lag: LogHistogram | undefined;
  waiting: LogHistogram | undefined;
  counters: Record<string, number> | undefined;
  gauges: Record<string, number> | undefined;

  constructor(public t: number) {}

  step(name: string): SliceStepAcc {
    let s = this.steps.get(name);
    if (!s) this.steps.set(name, (s = new SliceStepAcc()));
    return s;
  }

  count(name: string, n: number): void {
    const c = (this.counters ??= {});
    c[name] = (c[name] ?? 0) + n;
  }

  gauge(name: string, value: number): void {
    const g = (this.gauges ??= {});
    if (!(name in g) || value > g[name]!) g[name] = value;
  }

  /** Adds another slice (of the same or a finer width) into this one. */
  add(o: SliceAcc): void {
    for (const [name, s] of o.steps) {
      const mine = this.step(name);
      mine.n += s.n;
      mine.failed += s.failed;
      mine.latency.add(s.latency);
    }
    if (o.lag) (this.lag ??= new LogHistogram()).add(o.lag);
    if (o.waiting) (this.waiting ??= new LogHistogram()).add(o.waiting);
    for (const [k, v] of Object.entries(o.counters ?? {})) this.count(k, v);
    for (const [k, v] of Object.entries(o.gauges ?? {})) this.gauge(k, v);
  }

  encode(): Slice {
    const steps: Slice['steps'] = {};
    for (const name of [...this.steps.keys()].sort()) {
      const s = this.steps.get(name)!;
      steps[name] = { n: s.n, failed: s.failed, latency: s.latency.encode() };
    }
    const out: Slice = { t: this.t, steps };
    if (this.lag) out.lag = this.lag.encode();
    if (this.waiting) out.waiting = this.waiting.encode();
    if (this.counters) out.counters = { ...this.counters };
    if (this.gauges) out.gauges = { ...this.gauges };
    return out;
  }

  static decode(s: Slice): SliceAcc {
    const acc = new SliceAcc(s.t);
    for (const [name, st] of Object.entries(s.steps)) {
      const a = acc.step(name);
      a.n = st.n;
      a.failed = st.failed;
      a.latency.add(LogHistogram.decode(st.latency));
    }
    if (s.lag) acc.lag = LogHistogram.decode(s.lag);
    if (s.waiting) acc.waiting = LogHistogram.decode(s.waiting);
    if (s.counters) acc.counters = { ...s.counters };
    if (s.gauges) acc.gauges = { ...s.gauges };
    return acc;
  }
}

/** The next allowed width at or above `ms`. */
export function widthAtLeast(ms: number): number {
  for (const w of TIMELINE_WIDTHS_MS) if (w >= ms) return w;
  return TIMELINE_WIDTHS_MS[TIMELINE_WIDTHS_MS.length - 1]!;
}

export class TimelineAcc {
  private readonly slices = new Map<number, SliceAcc>();
  private lastIndex = Number.NaN;
  private last: SliceAcc | undefined;
  private minIndex = Infinity;
  private maxIndex = -Infinity;

  constructor(public widthMs: number = TIMELINE_WIDTHS_MS[0]) {
    if (!(TIMELINE_WIDTHS_MS as readonly number[]).includes(widthMs))
      throw new RangeError(`slice width ${widthMs} ms is not one of ${TIMELINE_WIDTHS_MS.join(', ')}`);
  }

  /** The slice holding epoch time `at` (ms), created when needed. */
  at(at: number): SliceAcc {
    const index = Math.floor(at / this.widthMs);
    if (index === this.lastIndex) return this.last!;
    let s = this.slices.get(index);
    if (!s) {
      s = new SliceAcc(index * this.widthMs);
      this.slices.set(index, s);
      if (index < this.minIndex) this.minIndex = index;
      if (index > this.maxIndex) this.maxIndex = index;
      if (
        this.maxIndex - this.minIndex + 1 > MAX_SLICES &&
        this.widthMs < TIMELINE_WIDTHS_MS[TIMELINE_WIDTHS_MS.length - 1]!
      ) {
        this.coarsen(widthAtLeast(this.widthMs + 1));
        return this.at(at);
      }
    }
    this.lastIndex = index;
    this.last = s;
    return s;
  }

  /** Re-slices to a wider width (a multiple of the current one): slices are added together. */
  coarsen(widthMs: number): void {
    if (widthMs === this.widthMs) return;
    if (widthMs < this.widthMs || widthMs % this.widthMs !== 0)
      throw new RangeError(`cannot coarsen ${this.widthMs} ms slices to ${widthMs} ms`);
    const old = [...this.slices.values()];
    this.slices.clear();
    this.widthMs = widthMs;
    this.lastIndex = Number.NaN;
    this.last = undefined;
    this.minIndex = Infinity;
    this.maxIndex = -Infinity;
    for (const s of old) this.at(s.t).add(s);
    // Coarsening may cascade (at() coarsens again past MAX_SLICES); either way the last call wins.
  }

  /** Adds a slice of this width or a finer one that divides it. */
  addSlice(s: SliceAcc): void {
    this.at(s.t).add(s);
  }

  values(): SliceAcc[] {
    return [...this.slices.values()].sort((a, b) => a.t - b.t);
  }

  get size(): number {
    return this.slices.size;
  }

  encode(): Timeline {
    const slices = this.values().map((s) => s.encode());
    return { widthMs: this.widthMs, slices };
  }

  static decode(t: Timeline): TimelineAcc {
    const acc = new TimelineAcc(t.widthMs);
    for (const s of t.slices) acc.at(s.t).add(SliceAcc.decode(s));
    return acc;
  }
}
