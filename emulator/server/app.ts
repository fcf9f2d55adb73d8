// The target's HTTP layer: a fastify app (built apart from listen, so tests can inject) around the
// pure core. It adds what the core leaves out: auth, JSON parsing with Talon.One's error shapes,
// the per-session and per-profile concurrency rule (409), the knobs, and GET /__stats.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { SESSIONS_PATH } from '../../model/limits.ts';
import { endpointOf, sessionIdOf } from '../../model/plan.ts';
import { createTargetCore, type CoreStats, type TargetConfig, type TargetCore } from '../core/index.ts';
import { CONFLICT_MESSAGE, notFound, withStatus, badRequest, type CoreResponse } from '../core/errors.ts';
import { resolveKnobs, type TargetKnobs } from './knobs.ts';
import { IdempotencyStore } from './idempotency.ts';
import { KeyedSerializer, WorkerPool } from './serializer.ts';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const STATS_PATH = '/__stats';
export const HEALTH_PATH = '/__health';

export interface TargetAppOptions {
  /** The accepted key; a random one is generated when absent (read it back from the result). */
  apiKey?: string;
  config?: Partial<TargetConfig>;
  /** Serve this core instead of a new one (tests that inspect it, several servers on one store). */
  core?: TargetCore;
  knobs?: TargetKnobs;
  /** Largest accepted request body in bytes; larger ones get 413. */
  bodyLimit?: number;
  /** Log one line per request (method, path, status, ms; never headers) through this function. Off by default. */
  logRequest?: (line: string) => void;
}

export interface HttpStats {
  requests: number;
  byStatus: Record<string, number>;
  unauthorized: number;
  conflicts409: number;
  injectedErrors: number;
  overCapacity: number;
  payloadTooLarge: number;
  malformedJson: number;
  inFlight: number;
  waitingForWorker: number;
  keysInFlight: number;
  /** Answers repeated for a known Idempotency-Key, and keys remembered. */
  idempotentReplays: number;
  idempotencyKeysStored: number;
}

export interface TargetStats extends CoreStats {
  /** Convenience copy of http.conflicts409: the 409s that the concurrency rule answered. */
  conflicts409: number;
  http: HttpStats;
  knobs: Record<string, unknown>;
  uptimeMs: number;
}

export interface TargetApp {
  app: FastifyInstance;
  core: TargetCore;
  apiKey: string;
  stats(): TargetStats;
}

export function generateApiKey(): string {
  return randomBytes(24).toString('base64url');
}

class BodyError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

function firstValues(q: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (q && typeof q === 'object') {
    for (const [k, v] of Object.entries(q as Record<string, unknown>)) {
      // A repeated parameter counts with its last value, as most HTTP frameworks read it.
      out[k] = Array.isArray(v) ? String(v[v.length - 1]) : String(v);
    }
  }
  return out;
}

/** The profile whose requests a session request waits behind: the body's, else the stored session's. */
function profileKey(core: TargetCore, method: string, sessionId: string, body: unknown): string | undefined {
  let profile: unknown;
  if (method === 'PUT' && body !== null && typeof body === 'object') {
    const cs = (body as { customerSession?: unknown }).customerSession;
    if (cs !== null && typeof cs === 'object') profile = (cs as { profileId?: unknown }).profileId;
  }
  if (typeof profile !== 'string') profile = core.profileOf(sessionId);
  // Anonymous sessions ("") share no profile.
  return typeof profile === 'string' && profile !== '' ? `p\u0000${profile}` : undefined;
}

export function buildTargetApp(options: TargetAppOptions = {}): TargetApp {
  const core = options.core ?? createTargetCore(options.config);
  const knobs = resolveKnobs(options.knobs);
  const apiKey = options.apiKey || generateApiKey();
  const expectedAuth = `ApiKey-v1 ${apiKey}`;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const serializer = new KeyedSerializer();
  const pool = knobs.capacity ? new WorkerPool(knobs.capacity.workers, knobs.capacity.queueLimit) : undefined;
  const idempotency = new IdempotencyStore(core.config.maxSessions);
  const shutdown = new AbortController();
  const started = Date.now();
  const http = { requests: 0, byStatus: {} as Record<string, number>, unauthorized: 0, conflicts409: 0, injectedErrors: 0, overCapacity: 0, payloadTooLarge: 0, malformedJson: 0, inFlight: 0 };

  // No request logging: at load-test rates it would cost more than the answers, and a logged
  // Authorization header would leak the key.
  const app = Fastify({ logger: false, bodyLimit, forceCloseConnections: true, return503OnClosing: true });

  function send(reply: FastifyReply, res: CoreResponse): FastifyReply {
    http.requests++;
    http.byStatus[res.status] = (http.byStatus[res.status] ?? 0) + 1;
    return reply.code(res.status).send(res.body);
  }

  const log = options.logRequest;
  if (log) {
    // Only the request line: headers carry the API key.
    app.addHook('onResponse', async (req, reply) => log(`${req.method} ${req.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms`));
  }

  app.removeAllContentTypeParsers();
  // Every body is read as JSON whatever its Content-Type says (k6 scripts often omit it), and an
  // empty body is "no body" (reopen is a PUT without one).
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
      return send(reply, withStatus(413, `Request body is larger than ${bodyLimit} bytes`, { title: 'Payload too large', details: `at most ${bodyLimit} bytes are accepted`, source: { pointer: '' } }));
    }
    if (err instanceof BodyError || (err.statusCode === 400 && err.code?.startsWith('FST_ERR_CTP'))) {
      http.malformedJson++;
      return send(reply, badRequest(err.message, [{ title: 'Malformed JSON', details: err.message, source: { pointer: '' } }]));
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return send(reply, withStatus(err.statusCode, err.message, { title: 'Bad request', details: err.message, source: {} }));
    }
    return send(reply, withStatus(500, 'Internal error in the local target', { title: 'Internal error', details: err.message, source: {} }));
  });

  app.setNotFoundHandler((req, reply) => send(reply, notFound(`No such endpoint: ${req.method} ${req.url.split('?')[0]}`)));

  function stats(): TargetStats {
    return {
      ...core.stats(),
      conflicts409: http.conflicts409,
      http: {
        ...http,
        byStatus: { ...http.byStatus },
        waitingForWorker: pool?.waiting ?? 0,
        keysInFlight: serializer.keysInFlight,
        idempotentReplays: idempotency.replays,
        idempotencyKeysStored: idempotency.size,
      },
      knobs: knobs.describe,
      uptimeMs: Date.now() - started,
    };
  }

  /** Runs the core, or answers again what an earlier request with the same Idempotency-Key got. */
  function answer(req: FastifyRequest, path: string, query: Record<string, string>): CoreResponse {
    const key = req.method === 'GET' ? undefined : req.headers['idempotency-key'];
    if (typeof key !== 'string') return core.handle({ method: req.method, path, query, body: req.body });
    const invalid = IdempotencyStore.check(key);
    if (invalid) return badRequest(invalid, [{ title: 'Invalid header', details: invalid, source: { parameter: 'Idempotency-Key' } }]);
    const now = Date.now();
    const earlier = idempotency.recall(key, now);
    if (earlier) return earlier;
    const res = core.handle({ method: req.method, path, query, body: req.body });
    idempotency.remember(key, res, now);
    return res;
  }

  app.get(STATS_PATH, async () => stats());
  app.get(HEALTH_PATH, async () => ({ ok: true }));

  // The path with knobs: admission (409), the session and profile keys, a worker, the delays, then the core.
  async function serveWithDelays(req: FastifyRequest, reply: FastifyReply, path: string, query: Record<string, string>): Promise<FastifyReply> {
    const sessionId = sessionIdOf(path) ?? '';
    // Reads change nothing, so they wait for no one (the 409 message speaks of requests "updating").
    const keys: string[] = [];
    if (req.method !== 'GET') {
      keys.push(`s\u0000${sessionId}`);
      const pk = profileKey(core, req.method, sessionId, req.body);
      if (pk) keys.push(pk);
    }
    const full = serializer.admit(keys);
    if (full !== undefined) {
      http.conflicts409++;
      return send(
        reply,
        withStatus(409, CONFLICT_MESSAGE, {
          title: 'Too many parallel requests',
          details: 'Talon.One processes the requests of one customer profile or session one at a time and queues at most 2 more; avoid parallel requests',
          source: { parameter: full.startsWith('s') ? 'customerSessionId' : 'profileId' },
        }),
      );
    }
    let worker = false;
    let serviceEnd: number | undefined;
    http.inFlight++;
    try {
      for (const k of keys) {
        const wait = serializer.acquire(k);
        if (wait) await wait;
      }
      if (pool && knobs.capacity) {
        const asked = performance.now();
        const taken = pool.take();
        if (taken === false) {
          http.overCapacity++;
          return send(reply, withStatus(503, 'The local target is over capacity', { title: 'Service unavailable', details: 'the capacity knob queue is full', source: {} }));
        }
        const freedAt = taken ? await taken : undefined;
        worker = true;
        // Service starts when the worker fell free by the schedule (or when this request asked, if
        // later), and ends by the schedule: a late timer delays this answer but not the next one's.
        serviceEnd = Math.max(asked, freedAt ?? asked) + knobs.capacity.serviceTime();
        const wait = serviceEnd - performance.now();
        if (wait > 0) await sleep(wait, undefined, { signal: shutdown.signal });
        worker = false;
        pool.give(serviceEnd);
      }
      if (knobs.latency) await sleep(knobs.latency(), undefined, { signal: shutdown.signal });
      return send(reply, answer(req, path, query));
    } catch (err) {
      if (shutdown.signal.aborted) return send(reply, withStatus(503, 'The local target is shutting down', { title: 'Service unavailable', details: 'closed while the request waited', source: {} }));
      throw err;
    } finally {
      http.inFlight--;
      // Only when the service sleep was cut short (shutdown): the worker is otherwise given back
      // as soon as its service ends, before the latency knob's delay.
      if (worker) pool!.give(serviceEnd);
      // Every exit comes after all keys were taken (waits end only by a hand-over, and on shutdown
      // each holder's sleep aborts and hands on), so every key is released here.
      for (const k of keys) serializer.release(k);
    }
  }

  app.route({
    method: ['GET', 'PUT', 'POST'],
    url: `${SESSIONS_PATH}/*`,
    handler: async (req, reply) => {
      if (req.headers.authorization !== expectedAuth) {
        http.unauthorized++;
        return send(
          reply,
          withStatus(401, 'Invalid API key', {
            title: 'Unauthorized',
            details: 'send the header "Authorization: ApiKey-v1 <key>" with the key this target was started with',
            source: { parameter: 'Authorization' },
          }),
        );
      }
      const url = req.raw.url ?? req.url;
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const query = firstValues(req.query);
      if (knobs.errorRate > 0 && endpointOf(req.method, path) !== undefined && knobs.random() < knobs.errorRate) {
        http.injectedErrors++;
        return send(reply, withStatus(knobs.errorStatus, `Injected error (the target's error-rate knob)`, { title: 'Injected error', details: `status ${knobs.errorStatus} at rate ${knobs.errorRate}`, source: {} }));
      }
      // Without delays every request runs to completion synchronously, so no two can overlap and
      // the concurrency rule has nothing to do: skip its bookkeeping on this hot path.
      if (!knobs.delays || endpointOf(req.method, path) === undefined) return send(reply, answer(req, path, query));
      return serveWithDelays(req, reply, path, query);
    },
  });

  app.addHook('onClose', async () => shutdown.abort());
  return { app, core, apiKey, stats };
}
