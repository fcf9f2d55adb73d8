// SIGINT/SIGTERM for a run: the first stops scheduling and drains what is in flight, the second
// cuts in-flight requests at once; either way the run still writes its summary.

export interface Interrupts {
  /** Aborted by the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Aborted by the second. */
  hard: AbortSignal;
  dispose(): void;
}

export function trapInterrupts(say: (message: string) => void): Interrupts {
  const graceful = new AbortController();
  const hard = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (!graceful.signal.aborted) {
      say(
        `\n${name}: stopping; waiting for requests in flight (${name === 'SIGINT' ? 'Ctrl-C' : name} again to stop at once)`,
      );
      graceful.abort();
    } else if (!hard.signal.aborted) {
      say(`${name}: stopping now`);
      hard.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: graceful.signal,
    hard: hard.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
