// Durations as k6 reads them from options: a string in Go's time.ParseDuration syntax, extended by
// k6 with `d` for days ("30s", "1m30s", "500ms", "1.5h", "2d"), or a plain number meaning
// milliseconds. Kept apart from the options validator because the harness reads them too
// (request `timeout`, `delayAbortEval`).

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign, as Go accepts
  μs: 1e-3, // U+03BC Greek mu, as Go accepts
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

// Anchored and applied to what is left, rather than a sticky (/y) pattern: this module runs in k6's
// JavaScript runtime too, and the scenarios' config and capacity steps read their durations here.
const PART = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/;

/**
 * The duration in milliseconds, or a message saying why the value is not a k6 duration.
 * Go's rules: an optional sign, then one or more number+unit pairs; "0" alone needs no unit.
 */
export function parseK6Duration(value: unknown): { ms: number } | { error: string } {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? { ms: value } : { error: `${value} is not a finite number of milliseconds` };
  }
  if (typeof value !== 'string')
    return { error: `expected a duration string like "30s" or a number of milliseconds, got ${describe(value)}` };
  const text = value.trim();
  let i = 0;
  let sign = 1;
  if (text[0] === '-' || text[0] === '+') {
    sign = text[0] === '-' ? -1 : 1;
    i = 1;
  }
  const body = text.slice(i);
  if (body === '0') return { ms: 0 };
  if (body === '') return { error: `invalid duration "${value}"` };
  let total = 0;
  let rest = body;
  while (rest !== '') {
    const m = PART.exec(rest);
    if (!m) {
      return /^(\d+\.?\d*|\.\d+)$/.test(rest)
        ? { error: `missing unit in duration "${value}" (use ms, s, m, h or d)` }
        : { error: `invalid duration "${value}"` };
    }
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return { ms: sign * total };
}

/** Like parseK6Duration, but throws with the message (for values already validated). */
export function durationMs(value: unknown): number {
  const r = parseK6Duration(value);
  if ('error' in r) throw new Error(r.error);
  return r.ms;
}

/** Renders milliseconds the way k6 prints durations in its messages ("1s", "1m30s", "500ms"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1_000) return `${neg ? '-' : ''}${+rest.toFixed(3)}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = +(rest / 1_000).toFixed(3);
  return `${neg ? '-' : ''}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
