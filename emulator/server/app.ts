// The target's HTTP layer: a fastify app (built apart from listen, so tests can inject) around the
// pure core. It adds what the core leaves out: auth, JSON parsing with Talon.One's error shapes,
// the per-session and per-profile concurrency rule (409), the knobs, and GET /__stats.
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { SESSIONS_PATH } from '../../model/limits.ts';
import { endpointOf } from '../../model/plan.ts';
import { createTargetCore, type CoreStats, type TargetConfig, type TargetCore } from '../core/index.ts';
import { withStatus, badRequest, type CoreResponse } from '../core/errors.ts';
import { resolveKnobs, type TargetKnobs } from './knobs.ts';
import { IdempotencyStore } from './idempotency.ts';
import { registerBodyHandling } from './body.ts';
import { DelayedServing } from './delayed.ts';
import { HttpCounters, type HttpCounts } from './http-counters.ts';

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

export interface HttpStats extends HttpCounts {
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

/** Runs the core, or answers again what an earlier request with the same Idempotency-Key got. */
function answerOnce(core: TargetCore, idempotency: IdempotencyStore, req: FastifyRequest, path: string): CoreResponse {
  const query = firstValues(req.query);
  const key = req.method === 'GET' ? undefined : req.headers['idempotency-key'];
  if (typeof key !== 'string') return core.handle({ method: req.method, path, query, body: req.body });
  const invalid = IdempotencyStore.check(key);
  if (invalid)
    return badRequest(invalid, [
      { title: 'Invalid header', details: invalid, source: { parameter: 'Idempotency-Key' } },
    ]);
  const now = Date.now();
  const earlier = idempotency.recall(key, now);
  if (earlier) return earlier;
  const res = core.handle({ method: req.method, path, query, body: req.body });
  idempotency.remember(key, res, now);
  return res;
}

const UNAUTHORIZED = withStatus(401, 'Invalid API key', {
  title: 'Unauthorized',
  details: 'send the header "Authorization: ApiKey-v1 <key>" with the key this target was started with',
  source: { parameter: 'Authorization' },
});

export function buildTargetApp(options: TargetAppOptions = {}): TargetApp {
  const core = options.core ?? createTargetCore(options.config);
  const knobs = resolveKnobs(options.knobs);
  const apiKey = options.apiKey || generateApiKey();
  const expectedAuth = `ApiKey-v1 ${apiKey}`;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const idempotency = new IdempotencyStore(core.config.maxSessions);
  const shutdown = new AbortController();
  // Every delayed request listens to it while it waits: more than 10 at once is normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  const started = Date.now();
  const http = new HttpCounters();
  const delayed = new DelayedServing(core, knobs, http, shutdown.signal);

  // No request logging by default: at load-test rates it would cost more than the answers.
  const app = Fastify({ logger: false, bodyLimit, forceCloseConnections: true, return503OnClosing: true });
  const log = options.logRequest;
  if (log) {
    // Only the request line: headers carry the API key.
    app.addHook('onResponse', async (req, reply) =>
      log(`${req.method} ${req.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms`),
    );
  }
  registerBodyHandling(app, bodyLimit, http);

  function stats(): TargetStats {
    return {
      ...core.stats(),
      conflicts409: http.conflicts409,
      http: {
        ...http.snapshot(),
        waitingForWorker: delayed.pool?.waiting ?? 0,
        keysInFlight: delayed.serializer.keysInFlight,
        idempotentReplays: idempotency.replays,
        idempotencyKeysStored: idempotency.size,
      },
      knobs: knobs.describe,
      uptimeMs: Date.now() - started,
    };
  }

  app.get(STATS_PATH, async () => stats());
  app.get(HEALTH_PATH, async () => ({ ok: true }));
  app.route({
    method: ['GET', 'PUT', 'POST'],
    url: `${SESSIONS_PATH}/*`,
    handler: async (req, reply) => {
      if (req.headers.authorization !== expectedAuth) {
        http.unauthorized++;
        return http.send(reply, UNAUTHORIZED);
      }
      const url = req.raw.url ?? req.url;
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const endpoint = endpointOf(req.method, path);
      if (knobs.errorRate > 0 && endpoint !== undefined && knobs.random() < knobs.errorRate) {
        http.injectedErrors++;
        const details = `status ${knobs.errorStatus} at rate ${knobs.errorRate}`;
        return http.send(
          reply,
          withStatus(knobs.errorStatus, `Injected error (the target's error-rate knob)`, {
            title: 'Injected error',
            details,
            source: {},
          }),
        );
      }
      const answer = () => answerOnce(core, idempotency, req, path);
      // Without delays every request runs to completion synchronously, so no two can overlap and
      // the concurrency rule has nothing to do: skip its bookkeeping on this hot path.
      if (!knobs.delays || endpoint === undefined) return http.send(reply, answer());
      return delayed.serve(req, reply, path, answer);
    },
  });

  app.addHook('onClose', async () => shutdown.abort());
  return { app, core, apiKey, stats };
}
