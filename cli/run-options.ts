// The options `run` and `replay` share, declared once so both take the same names for the same
// things, and checked by one function.
import type { Argv } from 'yargs';
import { DEFAULT_CONNECTIONS } from '../model/conventions.ts';
import { checkRunId } from '../model/run-id.ts';
import { UsageError } from './command.ts';
import { idPartFlag, numberFlag, urlFlag, wholeFlag } from './flags.ts';

export interface SharedRunArgs {
  target?: string;
  sessionPrefix?: string;
  connections: number;
  dry: boolean;
  maxErrorRate?: number;
  p95Ms?: number;
  p99Ms?: number;
  resultsDir: string;
  runId?: string;
  progress: boolean;
  yes: boolean;
}

export function withRunOptions<T>(
  y: Argv<T>,
  o: { target: string; sessionPrefix: string; dry: string; gate: string; latency: [string, string] },
): Argv<T> {
  return (
    y
      .option('target', { type: 'string', describe: o.target })
      .option('session-prefix', { type: 'string', describe: o.sessionPrefix })
      .option('connections', {
        type: 'number',
        default: DEFAULT_CONNECTIONS,
        describe: 'Keep-alive connections, and the cap on requests in flight (Node engine)',
      })
      // The name replay took before run and replay shared one vocabulary.
      .option('concurrency', { type: 'number', hidden: true })
      .option('dry', { type: 'boolean', default: false, describe: o.dry })
      .option('max-error-rate', {
        type: 'number',
        describe: `Fail (exit 99) above this share of failed requests, 0..1 ${o.gate}`,
      })
      .option('p95-ms', {
        type: 'number',
        describe: `Fail (exit 99) when a step's p95 latency reaches this many ms ${o.latency[0]}`,
      })
      .option('p99-ms', {
        type: 'number',
        describe: `Fail (exit 99) when a step's p99 latency reaches this many ms ${o.latency[1]}`,
      })
      .option('results-dir', {
        type: 'string',
        default: 'results',
        describe: 'Where the run folder <run-id>/ is written',
      })
      .option('run-id', { type: 'string', describe: 'Name of the run folder (default UTC time + random)' })
      .option('progress', {
        type: 'boolean',
        default: true,
        describe: 'Live progress on stderr, Node engine (--no-progress to silence)',
      })
      .option('yes', {
        type: 'boolean',
        default: false,
        describe:
          'Confirm a run that writes to a host other than this machine without a prompt (for CI; also CARTLOAD_YES=1)',
      }) as Argv<T>
  );
}

/** Checks the shared options; returns the connections asked for (--connections, or the old --concurrency). */
export function checkRunOptions(a: SharedRunArgs & { concurrency?: number }): { connections: number } {
  if (a.target !== undefined) urlFlag('target', a.target);
  if (a.sessionPrefix !== undefined) idPartFlag('session-prefix', a.sessionPrefix);
  const connections = a.concurrency ?? a.connections;
  wholeFlag(a.concurrency !== undefined ? 'concurrency' : 'connections', connections, 1, 10_000);
  if (a.maxErrorRate !== undefined) numberFlag('max-error-rate', a.maxErrorRate, { min: 0, max: 1 });
  if (a.p95Ms !== undefined) numberFlag('p95-ms', a.p95Ms, { above: 0 });
  if (a.p99Ms !== undefined) numberFlag('p99-ms', a.p99Ms, { above: 0 });
  if (a.runId !== undefined) {
    const why = checkRunId(a.runId);
    if (why !== undefined) throw new UsageError(`--run-id ${why}`);
  }
  return { connections };
}
