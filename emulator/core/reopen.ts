// PUT /v2/customer_sessions/{id}/reopen: closed → open, rolling back what the close committed
// (it is committed again when the session closes again).
import type { CustomerSessionV2, ReopenSessionResponse } from '../../model/api.ts';
import { rollBack, type CoreContext } from './context.ts';
import { badRequest, notFound, type CoreResponse } from './errors.ts';
import { bump } from './stats.ts';
import { allowed } from './transitions.ts';

export function reopenSession(ctx: CoreContext, id: string, now: Date): CoreResponse {
  const rec = ctx.sessions.get(id);
  if (!rec) return notFound(`Customer session '${id}' not found`, 'customerSessionId');
  const from = rec.view.state;
  if (!allowed('reopen', from, 'open')) {
    return badRequest(
      `Cannot reopen customer session '${id}': it is ${from}, and only closed sessions can be reopened`,
      [
        {
          title: 'Invalid state transition',
          details: `from ${from} to open is not allowed`,
          source: { parameter: 'customerSessionId' },
        },
      ],
    );
  }
  const effects = rec.commit ? rollBack(ctx, rec.commit, 1, true) : [];
  const view: CustomerSessionV2 = { ...rec.view, state: 'open', updated: now.toISOString() };
  ctx.sessions.set(id, { view, effects, returns: rec.returns });
  bump(ctx.stats.transitions, `${from}->open`);
  const answer: ReopenSessionResponse = { effects };
  return { status: 200, body: answer };
}
