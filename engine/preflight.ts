// The check before a run: one GET for a session that cannot exist. A 404 (or any 2xx-4xx) proves
// the target is there and takes the key; no answer or 401/403 ends the run before it starts; a
// 5xx is not a healthy answer: the run goes on, says so, and its error-rate gate decides.
import { sessionPath } from '../model/plan.ts';
import { shortRandom } from './run-id.ts';
import type { Outcome, Sender } from './sender.ts';

export type PreflightResult = { ok: true; warning?: string } | { ok: false; message: string };

export async function preflight(sender: Sender, prefix: string): Promise<PreflightResult> {
  const path = sessionPath(`${prefix}preflight-${shortRandom(8)}`);
  const o = await new Promise<Outcome>((resolve) =>
    sender.send('GET', path, undefined, false, (done: (o: Outcome) => void, o) => done(o), resolve),
  );
  if (o.status === 0)
    return { ok: false, message: `the target did not answer: ${'message' in o ? o.message : 'no answer'}` };
  if (o.status === 401 || o.status === 403)
    return {
      ok: false,
      message: `the target refused the API key (HTTP ${o.status}); check TALON_API_KEY (it must be an Integration API key of this deployment)`,
    };
  if (o.status >= 500)
    return { ok: true, warning: `the target answered the preflight check with HTTP ${o.status}: it looks unhealthy` };
  return { ok: true };
}
