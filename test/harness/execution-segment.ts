// k6's execution segments, as k6 computes them (lib/execution_segment.go in grafana/k6): a
// segment `from:to` of a sequence `0,a,b,...,1` gives one instance its share of a test. Iterations
// are striped, not cut in blocks: over every LCD (least common denominator of the segments'
// lengths) consecutive test-wide iteration numbers, each segment takes as many as its length's
// numerator, spread apart; an instance numbers its iterations with its stripe (exec.scenario.
// iterationInTest) and so never repeats another instance's numbers. Counts (iterations, VUs) are
// scaled by counting a stripe's members below the count (ScaleInt64), so the instances' shares
// always add up to the whole. The harness reproduces this to prove that a scenario split over
// instances sends each session exactly once.

/** A non-negative rational, kept reduced. */
interface Rat {
  num: bigint;
  den: bigint;
}

const gcd = (a: bigint, b: bigint): bigint => {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
};

function rat(num: bigint, den: bigint): Rat {
  const g = gcd(num, den) || 1n;
  return { num: num / g, den: den / g };
}

const cmp = (a: Rat, b: Rat): number => {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};
const sub = (a: Rat, b: Rat): Rat => rat(a.num * b.den - b.num * a.den, a.den * b.den);
const ratString = (r: Rat): string => (r.den === 1n ? String(r.num) : `${r.num}/${r.den}`);

/** k6's stringToRat: a percentage (`50%`), a decimal (`0.5`) or a fraction (`1/2`). */
function parseRat(text: string): Rat {
  const s = text.trim();
  if (s.endsWith('%')) {
    if (!/^\d+$/.test(s.slice(0, -1))) throw new Error(`'${s}' is not a valid percentage`);
    return rat(BigInt(s.slice(0, -1)), 100n);
  }
  let m = /^(\d+)\/(\d+)$/.exec(s);
  if (m && BigInt(m[2] as string) !== 0n) return rat(BigInt(m[1] as string), BigInt(m[2] as string));
  m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (m && s !== '' && s !== '.') {
    const frac = m[2] ?? '';
    return rat(BigInt((m[1] || '0') + frac), 10n ** BigInt(frac.length));
  }
  throw new Error(`'${s}' is not a valid percentage, decimal, fraction or interval value`);
}

export interface Segment {
  from: Rat;
  to: Rat;
}

const ZERO = rat(0n, 1n);
const ONE = rat(1n, 1n);

function segment(from: Rat, to: Rat): Segment {
  if (cmp(from, ZERO) < 0) throw new Error(`segment start value should be at least 0 but was ${ratString(from)}`);
  if (cmp(from, to) >= 0)
    throw new Error(`segment start(${ratString(from)}) should be less than its end(${ratString(to)})`);
  if (cmp(to, ONE) > 0) throw new Error(`segment end value shouldn't be more than 1 but was ${ratString(to)}`);
  return { from, to };
}

/** `--execution-segment`: `from:to`, or just `to` (from 0); '' is the whole test. */
export function parseSegment(text: string): Segment {
  const t = text.trim() === '' ? '1' : text.trim();
  const colon = t.indexOf(':');
  return colon === -1 ? segment(ZERO, parseRat(t)) : segment(parseRat(t.slice(0, colon)), parseRat(t.slice(colon + 1)));
}

/** `--execution-segment-sequence`: `r1,r2,...,rn` (at least two points); '' is none. */
export function parseSequence(text: string): Segment[] {
  if (text.trim() === '') return [];
  const points = text.split(',');
  if (points.length < 2)
    throw new Error(`at least 2 points are needed for an execution segment sequence, ${points.length} given`);
  const rats = points.map(parseRat);
  return rats.slice(1).map((to, i) => segment(rats[i] as Rat, to));
}

export const segmentString = (s: Segment): string => `${ratString(s.from)}:${ratString(s.to)}`;

/** The sequence with the gaps before and after it filled, so that it covers 0..1 (GetFilledExecutionSegmentSequence). */
function filled(sequence: Segment[], fallback: Segment | undefined): Segment[] {
  let out: Segment[];
  if (sequence.length === 0) {
    if (!fallback || (cmp(fallback.from, ZERO) === 0 && cmp(fallback.to, ONE) === 0)) return [segment(ZERO, ONE)];
    out = [fallback];
  } else out = [...sequence];
  const first = out[0] as Segment;
  const last = out[out.length - 1] as Segment;
  if (cmp(first.from, ZERO) !== 0) out.unshift(segment(ZERO, first.from));
  if (cmp(last.to, ONE) !== 0) out.push(segment(last.to, ONE));
  return out;
}

export interface ExecutionTuple {
  segment: Segment;
  /** Where this instance's stripe starts (0-based), the gaps between its members, and the cycle length. */
  start: number;
  offsets: number[];
  lcd: number;
  /** This instance's share of a test-wide count (iterations, VUs): ExecutionTuple.ScaleInt64. */
  scale(value: number): number;
  /** Test-wide iteration numbers of this instance's iterations, in order: SegmentedIndex.Next. */
  indexes(): () => { inInstance: number; inTest: number };
}

/** k6's ExecutionTuple for a segment within a sequence (both as the k6 flags take them). */
export function executionTuple(segmentText = '', sequenceText = ''): ExecutionTuple {
  const seg = parseSegment(segmentText);
  const seq = parseSequence(sequenceText);
  for (let i = 1; i < seq.length; i++) {
    if (cmp((seq[i] as Segment).from, (seq[i - 1] as Segment).to) !== 0) {
      throw new Error(
        `the start value ${ratString((seq[i] as Segment).from)} of segment #${i} must be equal to the end value of the previous one, but it is ${ratString((seq[i - 1] as Segment).to)}`,
      );
    }
  }
  const full = filled(seq, seg);
  const index = full.findIndex((s) => cmp(s.from, seg.from) === 0 && cmp(s.to, seg.to) === 0);
  if (index === -1)
    throw new Error(
      `couldn't find segment ${segmentString(seg)} in sequence ${full.map((s, i) => (i === 0 ? `${ratString(s.from)},` : '') + ratString(s.to)).join(',')}`,
    );

  // The striping (NewExecutionSegmentSequenceWrapper): lengths over their LCD, biggest first (a
  // stable sort), and each element 0..LCD-1 goes to the first segment that is owed one.
  const lengths = full.map((s) => sub(s.to, s.from));
  let lcdBig = 1n;
  for (const l of lengths) lcdBig = (lcdBig * l.den) / gcd(lcdBig, l.den);
  const lcd = Number(lcdBig);
  const sorted = lengths
    .map((l, i) => ({ norm: Number(l.num * (lcdBig / l.den)), original: i }))
    .sort((a, b) => b.norm - a.norm);
  const offsets: number[][] = full.map(() => []);
  const prev = full.map(() => 0);
  const chosen = full.map(() => 0);
  for (let i = 0; i < lcd; i++) {
    for (let k = 0; k < sorted.length; k++) {
      const num = (chosen[k] as number) * lcd;
      const denom = (sorted[k] as { norm: number }).norm;
      const q = Math.floor(num / denom);
      if (i > q || (i === q && num % denom === 0)) {
        chosen[k]!++;
        const at = (sorted[k] as { original: number }).original;
        const mine = offsets[at] as number[];
        mine.push(i - (prev[at] as number));
        prev[at] = i;
        if (mine.length === denom) mine.push((mine[0] as number) + lcd - i);
        break;
      }
    }
  }
  const own = offsets[index] as number[];
  const start = own[0] as number;
  const gaps = own.slice(1);
  const whole = full.length === 1;
  return {
    segment: seg,
    start,
    offsets: gaps,
    lcd,
    scale(value: number): number {
      if (whole) return value;
      let result = Math.floor(value / lcd) * gaps.length;
      for (let gi = 0, i = start; i < value % lcd; i += gaps[gi] as number, gi++) result++;
      return result;
    },
    indexes() {
      let scaled = 0;
      let unscaled = 0;
      return () => {
        unscaled += scaled === 0 ? start + 1 : (gaps[(scaled - 1) % gaps.length] as number);
        scaled++;
        return { inInstance: scaled - 1, inTest: unscaled - 1 };
      };
    },
  };
}
