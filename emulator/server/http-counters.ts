// What the HTTP layer counts, apart from the core's own stats: every answer by status, and each
// reason a request was answered before (or instead of) reaching the core.
import type { FastifyReply } from 'fastify';
import type { CoreResponse } from '../core/errors.ts';

export interface HttpCounts {
  requests: number;
  byStatus: Record<string, number>;
  unauthorized: number;
  conflicts409: number;
  injectedErrors: number;
  overCapacity: number;
  payloadTooLarge: number;
  malformedJson: number;
  inFlight: number;
}

export class HttpCounters implements HttpCounts {
  requests = 0;
  byStatus: Record<string, number> = {};
  unauthorized = 0;
  conflicts409 = 0;
  injectedErrors = 0;
  overCapacity = 0;
  payloadTooLarge = 0;
  malformedJson = 0;
  inFlight = 0;

  /** Answers with a core-shaped response and counts it: the one way every answer leaves. */
  send(reply: FastifyReply, res: CoreResponse): FastifyReply {
    this.requests++;
    this.byStatus[res.status] = (this.byStatus[res.status] ?? 0) + 1;
    return reply.code(res.status).send(res.body);
  }

  snapshot(): HttpCounts {
    const {
      requests,
      unauthorized,
      conflicts409,
      injectedErrors,
      overCapacity,
      payloadTooLarge,
      malformedJson,
      inFlight,
    } = this;
    return {
      requests,
      byStatus: { ...this.byStatus },
      unauthorized,
      conflicts409,
      injectedErrors,
      overCapacity,
      payloadTooLarge,
      malformedJson,
      inFlight,
    };
  }
}
