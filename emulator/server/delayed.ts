// The request path when a knob gives requests time (latency or capacity): only then can two
// requests of one session or profile overlap, so only here does the concurrency rule apply.
// Admission answers 409 beyond Talon.One's "one in process, two queued" per session and profile;
// admitted requests wait for their keys, then for a worker (given back when its service time is
// over), then spend the latency knob's delay.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sessionIdOf } from '../../model/plan.ts';
import type { TargetCore } from '../core/index.ts';
import { CONFLICT_MESSAGE, withStatus, type CoreResponse } from '../core/errors.ts';
import type { HttpCounters } from './http-counters.ts';
import type { ResolvedKnobs } from './knobs.ts';
import { KeyedSerializer, WorkerPool } from './serializer.ts';

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

const CONFLICT_DETAILS =
  'Talon.One processes the requests of one customer profile or session one at a time and queues at most 2 more; avoid parallel requests';
const conflict = (parameter: string): CoreResponse =>
  withStatus(409, CONFLICT_MESSAGE, {
    title: 'Too many parallel requests',
    details: CONFLICT_DETAILS,
    source: { parameter },
  });
const CONFLICT = conflict('customerSessionId');
const PROFILE_CONFLICT = conflict('profileId');
const OVER_CAPACITY = withStatus(503, 'The local target is over capacity', {
  title: 'Service unavailable',
  details: 'the capacity knob queue is full',
  source: {},
});
const SHUTTING_DOWN = withStatus(503, 'The local target is shutting down', {
  title: 'Service unavailable',
  details: 'closed while the request waited',
  source: {},
});

export class DelayedServing {
  readonly serializer = new KeyedSerializer();
  readonly pool: WorkerPool | undefined;

  constructor(
    private readonly core: TargetCore,
    private readonly knobs: ResolvedKnobs,
    private readonly http: HttpCounters,
    private readonly shutdown: AbortSignal,
  ) {
    this.pool = knobs.capacity ? new WorkerPool(knobs.capacity.workers, knobs.capacity.queueLimit) : undefined;
  }

  async serve(
    req: FastifyRequest,
    reply: FastifyReply,
    path: string,
    answer: () => CoreResponse,
  ): Promise<FastifyReply> {
    const keys = this.keysOf(req, path);
    const full = this.serializer.admit(keys);
    if (full !== undefined) {
      this.http.conflicts409++;
      return this.http.send(reply, full.startsWith('s') ? CONFLICT : PROFILE_CONFLICT);
    }
    let worker = false;
    let serviceEnd: number | undefined;
    this.http.inFlight++;
    try {
      for (const k of keys) {
        const wait = this.serializer.acquire(k);
        if (wait) await wait;
      }
      const { capacity, latency } = this.knobs;
      if (this.pool && capacity) {
        const asked = performance.now();
        const taken = this.pool.take();
        if (taken === false) {
          this.http.overCapacity++;
          return this.http.send(reply, OVER_CAPACITY);
        }
        const freedAt = taken ? await taken : undefined;
        worker = true;
        // Service starts when the worker fell free by the schedule (or when this request asked, if
        // later), and ends by the schedule: a late timer delays this answer but not the next one's.
        serviceEnd = Math.max(asked, freedAt ?? asked) + capacity.serviceTime();
        const wait = serviceEnd - performance.now();
        if (wait > 0) await sleep(wait, undefined, { signal: this.shutdown });
        worker = false;
        this.pool.give(serviceEnd);
      }
      if (latency) await sleep(latency(), undefined, { signal: this.shutdown });
      return this.http.send(reply, answer());
    } catch (err) {
      if (this.shutdown.aborted) return this.http.send(reply, SHUTTING_DOWN);
      throw err;
    } finally {
      this.http.inFlight--;
      // Only when the service sleep was cut short (shutdown): the worker is otherwise given back
      // as soon as its service ends, before the latency knob's delay.
      if (worker) this.pool!.give(serviceEnd);
      // Every exit comes after all keys were taken (waits end only by a hand-over, and on shutdown
      // each holder's sleep aborts and hands on), so every key is released here.
      for (const k of keys) this.serializer.release(k);
    }
  }

  /** Reads change nothing, so they wait for no one (the 409 message speaks of requests "updating"). */
  private keysOf(req: FastifyRequest, path: string): string[] {
    if (req.method === 'GET') return [];
    const sessionId = sessionIdOf(path) ?? '';
    const keys = [`s\u0000${sessionId}`];
    const pk = profileKey(this.core, req.method, sessionId, req.body);
    if (pk) keys.push(pk);
    return keys;
  }
}
