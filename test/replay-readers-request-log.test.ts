import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'csv-stringify/sync';
import { createPlanner } from '../generators/planner.ts';
import type { Pools } from '../generators/types.ts';
import { sessionPath, type PlanStep, type SessionPlan } from '../model/plan.ts';
import { RecordingError, type ReplayEvent } from '../recordings/index.ts';
import { bodyOf, FIX, readAll } from './replay-readers-support.ts';
import { planToRequestLogRecords, REQUEST_LOG_COLUMNS } from '../recordings/request-log.ts';

const read = readAll;

test('a request log is read in time order; equal timestamps keep file order', async () => {
  const { events } = await read(`${FIX}/request-log.csv`);
  assert.deepEqual(
    events.map((e) => [e.sessionId, e.step.step, e.source.line]),
    [
      ['A-1001', 'open', 4],
      ['B 2002/x', 'open', 6],
      ['B 2002/x', 'close', 37],
      ['C-3003', 'dry', 3],
      ['C-3003', 'get', 7],
      ['A-1001', 'update', 8],
      ['A-1001', 'close', 2],
      ['B 2002/x', 'return', 5],
    ],
  );
  const update = events[5] as ReplayEvent;
  assert.equal(update.time, Date.parse('2026-03-14T09:00:04.500Z'));
  assert.equal(update.kind, 'checkout');
  assert.equal(update.profileId, 'cust-1');
  assert.equal(update.step.recordedStatus, 200);
  assert.deepEqual(bodyOf(update), {
    customerSession: {
      profileId: 'cust-1',
      cartItems: [
        { sku: 'MUG-300', name: 'Mug "Classic", 300ml', quantity: 2, price: 12.5 },
        { sku: 'TEE-M-BLK', name: 'T-shirt, black (M)', quantity: 1, price: 24 },
      ],
      couponCodes: ['CLSPRING2026'],
      attributes: { ShippingCity: 'Berlin, Mitte' },
    },
    responseContent: ['customerSession', 'coupons'],
  });
  const dry = events[3] as ReplayEvent;
  assert.deepEqual(dry.step.query, { dry: 'true' });
  assert.equal(dry.step.expect, undefined, 'an empty expect cell means no expectation');
  const get = events[4] as ReplayEvent;
  assert.equal(get.step.method, 'GET');
  assert.equal(bodyOf(get), undefined);
  assert.equal(get.step.recordedStatus, 404);
  const ret = events[7] as ReplayEvent;
  assert.equal(ret.step.path, '/v2/customer_sessions/B%202002%2Fx/returns');
  assert.equal(ret.step.expect, 'partially_returned');
});

test('Talon.One access-log columns are read as aliases, µs times order, steps are inferred', async () => {
  const { events } = await read(`${FIX}/access-log.csv`);
  assert.deepEqual(
    events.map((e) => [e.sessionId, e.step.step, e.step.expect ?? null]),
    [
      ['Session136668', 'open', 'open'],
      ['Session136667', 'open', 'open'],
      ['Session136667', 'dry', null],
      ['Session136667', 'update', 'open'],
      ['Session136667', 'close', 'closed'],
      ['Session136667', 'return', 'partially_returned'],
      ['Session136668', 'close', 'closed'],
      ['Session136668', 'reopen', 'open'],
      ['Session136668', 'get', null],
      ['Session136668', 'cancel', 'cancelled'],
    ],
  );
  const dry = events[2] as ReplayEvent;
  assert.equal(dry.step.path, '/v2/customer_sessions/Session136667', 'the query moves out of the path');
  assert.deepEqual(dry.step.query, { dry: 'true' });
  assert.ok(events.every((e) => e.kind === 'recorded' && e.step.recordedStatus === 200));
  const gap = (events[1] as ReplayEvent).time - (events[0] as ReplayEvent).time;
  assert.ok(Math.abs(gap - 0.001) < 0.0005, `microseconds are kept (to a double's precision): ${gap}`);
});

test('bad request-log rows are skipped with their reason, line and column', async () => {
  const file = `${FIX}/request-log-bad.csv`;
  const { events, issues } = await read(file, 'skip');
  assert.deepEqual(
    issues.map((i) => [i.line, i.reason]),
    [
      [3, 'bad-date'],
      [4, 'bad-json'],
      [5, 'unsupported-endpoint'],
      [6, 'bad-value'],
      [7, 'over-limit'],
      [8, 'inconsistent-row'],
      [9, 'inconsistent-row'],
      [10, 'bad-value'],
      [12, 'missing-column'],
    ],
  );
  assert.match(issues[1]?.message ?? '', /request-log-bad\.csv:4: column "body": not valid JSON/);
  assert.match(issues[8]?.message ?? '', /column "path": the row has 3 fields, the header 10/);
  assert.deepEqual(
    events.map((e) => e.step.step),
    ['open', 'close'],
  );
});

test('with onError abort the first bad request-log row throws a RecordingError', async () => {
  await assert.rejects(read(`${FIX}/request-log-bad.csv`, 'abort'), (err: unknown) => {
    assert.ok(err instanceof RecordingError);
    assert.equal(err.issue.line, 3);
    assert.equal(err.issue.reason, 'bad-date');
    assert.match(err.message, /request-log-bad\.csv:3: column "timestamp"/);
    return true;
  });
});

const pools: Pools = {
  // Awkward names on purpose: commas, quotes and a newline must survive the CSV.
  products: Array.from({ length: 60 }, (_, i) => ({
    sku: `SKU-${i}`,
    name: i % 3 === 0 ? `Mug "no. ${i}", big` : i % 3 === 1 ? `Lamp ${i}\nwith a newline` : `Socks ${i}`,
    category: i % 2 === 0 ? 'Kitchen, Home' : 'Apparel',
    price: 1 + i * 0.75,
    weight: 100 + i,
    height: 10,
    width: 20,
    length: 30,
    ...(i % 4 === 0 ? { attributes: { color: 'red' } } : {}),
  })),
  stores: ['berlin-01', 'hamburg-02'],
  cities: ['Berlin', 'Köln'],
  validCoupons: ['CLSPRING2026', 'CLAB12CD34'],
  invalidCoupons: ['NOPE-1'],
  validReferrals: ['RFWELCOME10'],
  invalidReferrals: ['RFNOPE'],
  loyaltyCards: ['LC-1', 'LC-2'],
  profileIds: ['cust-1', 'cust-2'],
  campaignIds: [11, 12],
};

function withoutAt(step: PlanStep): PlanStep {
  const { at: _at, ...rest } = step;
  return rest;
}

test('round trip: generated plans → request-log CSV → the same steps at the same times', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cartload-rt-'));
  try {
    const planner = createPlanner({ pools, seed: 7, profile: 'default' });
    const plans: SessionPlan[] = [];
    const starts: number[] = [];
    let csv = stringify([[...REQUEST_LOG_COLUMNS]]);
    for (let i = 0; i < 300; i++) {
      const plan = planner.plan(i);
      const start = Date.UTC(2026, 0, 1) + i * 37;
      plans.push(plan);
      starts.push(start);
      csv += stringify(planToRequestLogRecords(plan, start));
    }
    const file = join(dir, 'log.csv');
    await writeFile(file, csv);
    const { events } = await read(file);
    const got = new Map<string, ReplayEvent[]>();
    for (const e of events) got.set(e.sessionId, [...(got.get(e.sessionId) ?? []), e]);
    assert.equal(got.size, plans.length);
    const kinds = new Set<string>();
    plans.forEach((plan, i) => {
      const evs = got.get(plan.sessionId) ?? [];
      kinds.add(plan.kind);
      // The body travels as text beside the step: compare it as a value, in the step's place.
      assert.deepEqual(
        evs.map((e) => (e.bodyText === undefined ? e.step : { ...e.step, body: bodyOf(e) })),
        plan.steps.map(withoutAt),
        plan.sessionId,
      );
      let at = 0;
      plan.steps.forEach((s, k) => {
        if (s.at !== undefined) at = s.at;
        assert.equal(evs[k]?.time, (starts[i] as number) + at);
        assert.equal(evs[k]?.kind, plan.kind);
      });
    });
    assert.ok(kinds.size >= 4, `several lifecycles covered: ${[...kinds].join(', ')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('planToRequestLogRecords writes one record a step with the query apart from the path', () => {
  const plan: SessionPlan = {
    sessionId: 'a b',
    kind: 'dry',
    steps: [
      {
        step: 'dry',
        method: 'PUT',
        path: sessionPath('a b'),
        query: { dry: 'true', now: '2027-01-01T00:00:00Z' },
        body: { customerSession: {} },
      },
      { step: 'get', method: 'GET', path: sessionPath('a b'), at: 1500, recordedStatus: 200 },
    ],
  };
  assert.deepEqual(planToRequestLogRecords(plan, Date.UTC(2026, 0, 1)), [
    [
      '2026-01-01T00:00:00.000Z',
      'a b',
      'PUT',
      '/v2/customer_sessions/a%20b',
      'dry=true&now=2027-01-01T00%3A00%3A00Z',
      '{"customerSession":{}}',
      '',
      'dry',
      'dry',
      '',
    ],
    ['2026-01-01T00:00:01.500Z', 'a b', 'GET', '/v2/customer_sessions/a%20b', '', '', '200', 'get', 'dry', ''],
  ]);
});
