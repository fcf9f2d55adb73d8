// startTarget(): the local target listening on a socket, for the CLI, the engines and tests.
import type { AddressInfo } from 'node:net';
import { buildTargetApp, type TargetAppOptions, type TargetStats } from './app.ts';
import type { TargetCore } from '../core/index.ts';

export { buildTargetApp, generateApiKey, DEFAULT_BODY_LIMIT, STATS_PATH, HEALTH_PATH } from './app.ts';
export type { TargetAppOptions, TargetStats, HttpStats, TargetApp } from './app.ts';
export type { TargetKnobs, CapacityKnob, Distribution } from './knobs.ts';
export { parseDistribution, DISTRIBUTION_FORMS } from './knobs.ts';

export interface StartTargetOptions extends TargetAppOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the target is a test double and should not be reachable from elsewhere. */
  host?: string;
}

export interface RunningTarget {
  /** e.g. http://127.0.0.1:40123 (IPv6 hosts in brackets). */
  url: string;
  apiKey: string;
  core: TargetCore;
  stats(): TargetStats;
  close(): Promise<void>;
}

export function formatUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export async function startTarget(options: StartTargetOptions = {}): Promise<RunningTarget> {
  const { app, core, apiKey, stats } = buildTargetApp(options);
  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: formatUrl(address),
    apiKey,
    core,
    stats,
    close: () => (closing ??= app.close()),
  };
}
