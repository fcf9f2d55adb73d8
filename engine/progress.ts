// Live progress: one rewritten line on a terminal, a plain line every few seconds otherwise (CI
// logs stay readable). Written to stderr by the CLI so stdout carries only the summary.

export interface ProgressSnapshot {
  elapsedMs: number;
  sent: number;
  inFlight: number;
  errors: number;
  /** p99 schedule lag so far in ms, when the run is paced. */
  lagP99?: number;
}

export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** Refresh period on a terminal (ms). */
  ttyIntervalMs?: number;
  /** Period of plain lines otherwise (ms). */
  plainIntervalMs?: number;
}

export function formatProgress(s: ProgressSnapshot, ratePerSecond: number): string {
  const lag = s.lagP99 === undefined ? '' : `  lag p99 ${s.lagP99.toFixed(1)} ms`;
  return `${(s.elapsedMs / 1000).toFixed(0).padStart(4)} s  sent ${s.sent}  in flight ${s.inFlight}  ${ratePerSecond.toFixed(0)}/s${lag}  errors ${s.errors}`;
}

/** Starts reporting; the returned function stops it and clears a terminal line. */
export function startProgress(
  sink: ProgressSink,
  snapshot: () => ProgressSnapshot,
  o: ProgressOptions = {},
): () => void {
  const tty = sink.isTTY === true;
  const period = tty ? (o.ttyIntervalMs ?? 500) : (o.plainIntervalMs ?? 5000);
  let lastSent = 0;
  let lastAt = 0;
  const timer = setInterval(() => {
    const s = snapshot();
    const dt = s.elapsedMs - lastAt;
    const rate = dt > 0 ? ((s.sent - lastSent) * 1000) / dt : 0;
    lastSent = s.sent;
    lastAt = s.elapsedMs;
    const line = formatProgress(s, rate);
    sink.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  }, period);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (tty) sink.write('\r\x1b[2K');
  };
}
