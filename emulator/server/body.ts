// How the emulator reads bodies and answers what fastify rejects, in Talon.One's error shapes:
// every body is JSON whatever its Content-Type says (k6 scripts often omit it), an empty body is
// "no body" (reopen is a PUT without one), and malformed JSON, oversized bodies, unknown paths
// and unexpected failures each get the status and shape the real API gives.
import type { FastifyInstance } from 'fastify';
import { badRequest, notFound, withStatus } from '../core/errors.ts';
import type { HttpCounters } from './http-counters.ts';

class BodyError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

export function registerBodyHandling(app: FastifyInstance, bodyLimit: number, http: HttpCounters): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, text, done) => {
    const s = text as string;
    if (s.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(s));
    } catch (err) {
      done(new BodyError(`Malformed JSON in the request body: ${(err as Error).message}`, 400), undefined);
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      http.payloadTooLarge++;
      const details = `at most ${bodyLimit} bytes are accepted`;
      return http.send(
        reply,
        withStatus(413, `Request body is larger than ${bodyLimit} bytes`, {
          title: 'Payload too large',
          details,
          source: { pointer: '' },
        }),
      );
    }
    if (err instanceof BodyError || (err.statusCode === 400 && err.code?.startsWith('FST_ERR_CTP'))) {
      http.malformedJson++;
      return http.send(
        reply,
        badRequest(err.message, [{ title: 'Malformed JSON', details: err.message, source: { pointer: '' } }]),
      );
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return http.send(
        reply,
        withStatus(err.statusCode, err.message, { title: 'Bad request', details: err.message, source: {} }),
      );
    }
    return http.send(
      reply,
      withStatus(500, 'Internal error in the local target', {
        title: 'Internal error',
        details: err.message,
        source: {},
      }),
    );
  });

  app.setNotFoundHandler((req, reply) =>
    http.send(reply, notFound(`No such endpoint: ${req.method} ${req.url.split('?')[0]}`)),
  );
}
