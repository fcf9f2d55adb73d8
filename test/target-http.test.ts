// The target's HTTP layer: auth, error shapes (400/401/404/409/413), the concurrency rule per
// session and per profile on real sockets, the knobs, /__stats, and secrets kept out of answers.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { ErrorResponse, IntegrationStateV2 } from '../model/api.ts';
import { buildTargetApp, startTarget, type RunningTarget, type TargetStats } from '../emulator/server/index.ts';

const KEY = 'test-key-7f3a';
const AUTH = { authorization: `ApiKey-v1 ${KEY}`, 'content-type': 'application/json' };
const sessionBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ customerSession: { cartItems: [{ sku: 'A', quantity: 1, price: 10 }], ...extra } });

describe('with inject (no sockets)', () => {
  const { app } = buildTargetApp({ apiKey: KEY, bodyLimit: 2_000 });
  after(() => app.close());

  test('401 in Talon.One shape for a missing, malformed or wrong key; the key never appears', async () => {
    for (const authorization of [undefined, KEY, `ApiKey-v1 wrong`, `Bearer ${KEY}`]) {
      const res = await app.inject({
        method: 'GET',
        url: '/v2/customer_sessions/x',
        headers: authorization ? { authorization } : {},
      });
      assert.equal(res.statusCode, 401);
      const body = res.json() as ErrorResponse;
      assert.equal(body.message, 'Invalid API key');
      assert.equal(body.StatusCode, 401);
      assert.equal(body.errors?.[0]?.source.parameter, 'Authorization');
      assert.ok(!res.body.includes(KEY), 'the accepted key is not echoed');
    }
  });

  test('200 with the key; JSON content type', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: '/v2/customer_sessions/a?dry=false',
      headers: AUTH,
      payload: sessionBody(),
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(Object.keys(res.json() as object).sort(), ['createdCoupons', 'createdReferrals', 'effects']);
  });

  test('bodies are JSON whatever the content type says', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: '/v2/customer_sessions/b',
      headers: { authorization: AUTH.authorization, 'content-type': 'text/plain' },
      payload: sessionBody(),
    });
    assert.equal(res.statusCode, 200);
  });

  test('400 with the field pointer for a body that breaks a limit', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: '/v2/customer_sessions/c',
      headers: AUTH,
      payload: JSON.stringify({ customerSession: { loyaltyCards: ['a', 'b'] } }),
    });
    assert.equal(res.statusCode, 400);
    const body = res.json() as ErrorResponse;
    assert.equal(body.errors?.[0]?.source.pointer, '/customerSession/loyaltyCards/1');
  });

  test('400 for malformed JSON, in the same shape', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: '/v2/customer_sessions/d',
      headers: AUTH,
      payload: '{"customerSession": ',
    });
    assert.equal(res.statusCode, 400);
    const body = res.json() as ErrorResponse;
    assert.match(body.message, /Malformed JSON/);
    assert.equal(body.errors?.[0]?.title, 'Malformed JSON');
  });

  test('413 for a body over the limit, in the same shape', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: '/v2/customer_sessions/e',
      headers: AUTH,
      payload: JSON.stringify({ customerSession: { attributes: { pad: 'x'.repeat(3_000) } } }),
    });
    assert.equal(res.statusCode, 413);
    const body = res.json() as ErrorResponse;
    assert.equal(body.StatusCode, 413);
    assert.match(body.message, /2000 bytes/);
  });

  test('reopen takes no body, even with a JSON content type', async () => {
    await app.inject({
      method: 'PUT',
      url: '/v2/customer_sessions/f',
      headers: AUTH,
      payload: sessionBody({ state: 'closed' }),
    });
    const res = await app.inject({ method: 'PUT', url: '/v2/customer_sessions/f/reopen', headers: AUTH });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { effects: [] });
  });

  test('a repeated Idempotency-Key gets the stored answer without being processed again', async () => {
    const headers = { ...AUTH, 'idempotency-key': '0b5e0c1e-7d1c-4a53-9a4e-2f1d0b7e9c11' };
    const first = await app.inject({
      method: 'PUT',
      url: '/v2/customer_sessions/idem',
      headers,
      payload: sessionBody({ state: 'closed' }),
    });
    const again = await app.inject({
      method: 'PUT',
      url: '/v2/customer_sessions/idem',
      headers,
      payload: sessionBody({ state: 'closed' }),
    });
    assert.equal(first.statusCode, 200);
    assert.equal(again.statusCode, 200, 'a second close would be a 400 if it were processed');
    assert.equal(again.body, first.body);
    const tooLong = await app.inject({
      method: 'PUT',
      url: '/v2/customer_sessions/idem2',
      headers: { ...AUTH, 'idempotency-key': 'k'.repeat(256) },
      payload: sessionBody(),
    });
    assert.equal(tooLong.statusCode, 400);
    assert.equal((tooLong.json() as ErrorResponse).errors?.[0]?.source.parameter, 'Idempotency-Key');
    const fresh = await app.inject({
      method: 'PUT',
      url: '/v2/customer_sessions/idem',
      headers: AUTH,
      payload: sessionBody({ state: 'closed' }),
    });
    assert.equal(fresh.statusCode, 400, 'without the key it is processed: closed → closed is refused');
  });

  test('404 in Talon.One shape for unknown paths; /__health answers', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/anything' });
    assert.equal(res.statusCode, 404);
    assert.equal(typeof (res.json() as ErrorResponse).message, 'string');
    assert.deepEqual((await app.inject({ method: 'GET', url: '/__health' })).json(), { ok: true });
  });

  test('/__stats counts by endpoint, status and transition, and never shows the key', async () => {
    const res = await app.inject({ method: 'GET', url: '/__stats' });
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes(KEY));
    const s = res.json() as TargetStats;
    assert.equal(s.http.unauthorized, 4);
    assert.equal(s.http.byStatus['401'], 4);
    assert.equal(s.http.byStatus['413'], 1);
    assert.equal(s.http.malformedJson, 1);
    assert.ok((s.byEndpoint['PUT /v2/customer_sessions/{id}']?.['200'] ?? 0) >= 2);
    assert.equal(s.transitions['closed->open'], 1);
    assert.equal(typeof s.sessionsStored, 'number');
    assert.equal(s.sessionsEvicted, 0);
    assert.equal(s.conflicts409, 0);
    assert.equal(s.http.idempotentReplays, 1);
    assert.equal(s.http.idempotencyKeysStored, 1);
  });
});

async function put(t: RunningTarget, id: string, body = sessionBody()): Promise<Response> {
  return fetch(`${t.url}/v2/customer_sessions/${id}`, { method: 'PUT', headers: AUTH, body });
}
async function statuses(responses: Response[]): Promise<number[]> {
  await Promise.all(responses.map((r) => r.arrayBuffer()));
  return responses.map((r) => r.status).sort();
}

// Each test has a target of its own, so the four (each mostly waiting on 1 s answers) run side by
// side and each test's counters are its own.
describe('concurrency on real sockets', { concurrency: true }, () => {
  // Each request holds its session and profile for 1 s, far longer than it takes six requests
  // sent together to arrive: the three beyond "one in process, two queued" must be refused.
  const targets: RunningTarget[] = [];
  const target = async (): Promise<RunningTarget> => {
    const t = await startTarget({ apiKey: KEY, knobs: { latency: '1000' } });
    targets.push(t);
    return t;
  };
  after(() => Promise.all(targets.map((t) => t.close())));

  test('parallel requests on one session: 1 in process + 2 queued, the rest get 409', async () => {
    const t = await target();
    const res = await Promise.all(Array.from({ length: 6 }, () => put(t, 'same')));
    const conflict = res.find((r) => r.status === 409);
    assert.ok(conflict);
    const body = (await conflict.clone().json()) as ErrorResponse;
    assert.equal(body.message, 'Too many requests are updating this profile/session at the same time');
    assert.equal(body.StatusCode, 409);
    assert.equal(body.errors?.[0]?.source.parameter, 'customerSessionId');
    assert.deepEqual(await statuses(res), [200, 200, 200, 409, 409, 409]);
    assert.equal(t.core.session('same')?.updateCount, 3, 'the queued ones ran, one after another');
    assert.equal(t.stats().conflicts409, 3);
  });

  test('parallel requests of one profile on different sessions: the same rule', async () => {
    const t = await target();
    const res = await Promise.all(
      Array.from({ length: 5 }, (_, i) => put(t, `prof-${i}`, sessionBody({ profileId: 'shared' }))),
    );
    assert.deepEqual(await statuses(res), [200, 200, 200, 409, 409]);
    const body = (await (await put(t, 'prof-0', sessionBody({ profileId: 'shared' }))).json()) as IntegrationStateV2;
    assert.ok(body.effects, 'after the burst the profile is free again');
    assert.equal(t.stats().conflicts409, 2);
  });

  test('reads wait for no one: parallel GETs of a busy session all answer', async () => {
    const t = await target();
    const writes = Array.from({ length: 3 }, () => put(t, 'read-me'));
    const reads = Array.from({ length: 5 }, () => fetch(`${t.url}/v2/customer_sessions/read-me`, { headers: AUTH }));
    const statusesOfReads = await statuses(await Promise.all(reads));
    assert.ok(
      statusesOfReads.every((s) => s === 200 || s === 404),
      `no 409 for reads: ${statusesOfReads.join(' ')}`,
    );
    assert.deepEqual(await statuses(await Promise.all(writes)), [200, 200, 200]);
  });

  test('different sessions and profiles in parallel never conflict; anonymous sessions share nothing', async () => {
    const t = await target();
    const res = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => put(t, `free-${i}`, sessionBody({ profileId: `own-${i}` }))),
      ...Array.from({ length: 4 }, (_, i) => put(t, `anon-${i}`, sessionBody({ profileId: '' }))),
    ]);
    assert.deepEqual(await statuses(res), Array(8).fill(200));
    assert.equal(t.stats().conflicts409, 0);
    assert.equal(t.stats().http.keysInFlight, 0, 'idle keys are forgotten');
  });
});

// Each test starts its own target: they run side by side.
describe('knobs', { concurrency: true }, () => {
  test('error rate 1 answers every session request with the chosen status, processing none', async () => {
    const t = await startTarget({ apiKey: KEY, knobs: { errorRate: 1, errorStatus: 429 } });
    try {
      const res = await put(t, 'x');
      assert.equal(res.status, 429);
      assert.equal(((await res.json()) as ErrorResponse).StatusCode, 429);
      assert.equal(t.core.session('x'), undefined);
      assert.equal(t.stats().http.injectedErrors, 1);
      assert.equal((await fetch(`${t.url}/__stats`)).status, 200, 'the stats are not subject to errors');
    } finally {
      await t.close();
    }
  });

  test('a partial error rate injects about that share, repeatably for one seed', async () => {
    const run = async () => {
      const t = await startTarget({ apiKey: KEY, knobs: { errorRate: 0.3, seed: 42 } });
      try {
        const out: number[] = [];
        for (let i = 0; i < 200; i++) out.push((await put(t, `e${i}`)).status);
        return out;
      } finally {
        await t.close();
      }
    };
    const a = await run();
    const b = await run();
    assert.deepEqual(a, b, 'same seed, same errors');
    const errors = a.filter((s) => s === 503).length;
    assert.ok(errors > 30 && errors < 90, `about 30% of 200, got ${errors}`);
  });

  test('capacity: requests beyond the workers wait in the queue; beyond the queue limit they get 503', async () => {
    const t = await startTarget({
      apiKey: KEY,
      knobs: { capacity: { workers: 1, serviceTime: '1000', queueLimit: 1 } },
    });
    try {
      const res = await Promise.all(Array.from({ length: 4 }, (_, i) => put(t, `cap-${i}`)));
      assert.deepEqual(await statuses(res), [200, 200, 503, 503]);
      assert.equal(t.stats().http.overCapacity, 2);
    } finally {
      await t.close();
    }
  });

  test('bad knob values are refused with the knob named', () => {
    assert.throws(() => buildTargetApp({ knobs: { latency: 'soon' } }), /latency: cannot read "soon"/);
    assert.throws(() => buildTargetApp({ knobs: { errorRate: 2 } }), /error rate/);
    assert.throws(() => buildTargetApp({ knobs: { errorStatus: 200 } }), /error status/);
    assert.throws(() => buildTargetApp({ knobs: { capacity: { workers: 0, serviceTime: '5' } } }), /workers/);
    assert.throws(() => buildTargetApp({ knobs: { latency: '9..3' } }), /lower bound/);
  });
});

describe('request log', () => {
  test('off by default; when on, one line per request with no header in it', async () => {
    const lines: string[] = [];
    const { app } = buildTargetApp({ apiKey: KEY, logRequest: (l) => lines.push(l) });
    try {
      await app.inject({
        method: 'PUT',
        url: '/v2/customer_sessions/logged?dry=true',
        headers: AUTH,
        payload: sessionBody(),
      });
      await app.inject({
        method: 'GET',
        url: '/v2/customer_sessions/logged',
        headers: { authorization: 'ApiKey-v1 wrong' },
      });
      assert.equal(lines.length, 2);
      assert.match(lines[0]!, /^PUT \/v2\/customer_sessions\/logged\?dry=true 200 \d+\.\d ms$/);
      assert.match(lines[1]!, /^GET \/v2\/customer_sessions\/logged 401 /);
      assert.ok(!lines.join('\n').includes(KEY) && !lines.join('\n').includes('wrong'));
    } finally {
      await app.close();
    }
  });
});

describe('startTarget', () => {
  test('generates a key when none is given, listens on loopback, closes idempotently', async () => {
    const t = await startTarget();
    assert.match(t.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(t.apiKey.length >= 20);
    const res = await fetch(`${t.url}/v2/customer_sessions/k`, {
      method: 'PUT',
      headers: { authorization: `ApiKey-v1 ${t.apiKey}` },
      body: sessionBody(),
    });
    assert.equal(res.status, 200);
    await Promise.all([t.close(), t.close()]);
  });

  test('an IPv6 host gives a bracketed URL', async (t) => {
    let target: RunningTarget;
    try {
      target = await startTarget({ host: '::1', apiKey: KEY });
    } catch (err) {
      // Some CI containers have no IPv6 loopback; that is the machine's, not the target's, limit.
      return t.skip(`no IPv6 loopback here: ${(err as Error).message}`);
    }
    try {
      assert.match(target.url, /^http:\/\/\[::1\]:\d+$/);
      assert.equal((await fetch(`${target.url}/__health`)).status, 200);
    } finally {
      await target.close();
    }
  });

  test('closing while requests wait answers them 503 and ends promptly', async () => {
    const t = await startTarget({ apiKey: KEY, knobs: { latency: '60000' } });
    const pending = put(t, 'slow').then(
      (r) => r.status,
      () => 'connection closed',
    );
    // Closed once the request is in (it holds its session's key), not after a guessed delay.
    for (let i = 0; i < 500 && t.stats().http.keysInFlight === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(t.stats().http.keysInFlight > 0, 'the request arrived');
    await t.close();
    assert.ok([503, 'connection closed'].includes(await pending));
  });
});
