// k6 provides console (log, info, warn, error, debug) but @types/k6 does not declare it, and this
// program must not see the DOM or Node types that would.
declare const console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
};
