// setup(): one request before the load starts, so a wrong URL or a refused key fails the run in a
// second with a message that says which, instead of a full run of failed checks. It also picks the
// run's session namespace, shared with every VU through setup's data.
import http from 'k6/http';
import { sessionPath } from '../../model/plan.ts';
import { runNamespace, type ScenarioConfig } from './config.ts';

export interface RunData {
  /** Session IDs are `<sessionPrefix>-<seed>-<index>`. */
  sessionPrefix: string;
}

export function chooseSessionPrefix(config: ScenarioConfig): string {
  if (config.sessionPrefix !== undefined) return config.sessionPrefix;
  if (config.runId !== undefined) return `cartload-${config.runId}`;
  return runNamespace(Date.now(), Math.random);
}

/** Throws (k6 then stops the run before any load) when the target is unreachable or refuses the key. */
export function checkTarget(config: ScenarioConfig, sessionPrefix: string): void {
  const url = `${config.baseUrl}${sessionPath(`${sessionPrefix}-healthcheck`)}`;
  const res = http.get(url, {
    headers: { Authorization: `ApiKey-v1 ${config.apiKey}` },
    tags: { name: 'setup: health check', step: 'setup' },
    // An unknown session answers 404: that is a healthy target, not a failed request.
    responseCallback: http.expectedStatuses(200, 404),
    timeout: '10s',
  });
  if (res.status === 401 || res.status === 403) {
    const why = config.apiKey === '' ? 'TALON_API_KEY is not set' : 'check TALON_API_KEY';
    throw new Error(`cartload: the target ${config.baseUrl} refused the API key (HTTP ${res.status}); ${why}`);
  }
  if (res.status === 0) {
    throw new Error(
      `cartload: the target ${config.baseUrl} is unreachable (${res.error || 'no answer'}); check TALON_BASE_URL and that the target runs`,
    );
  }
  if (res.status !== 200 && res.status !== 404) {
    throw new Error(
      `cartload: the target ${config.baseUrl} answered the health check with HTTP ${res.status}; expected 200 or 404`,
    );
  }
}
