import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordingError, type ReplayEvent } from '../recordings/index.ts';
import { bodyOf, FIX, readAll } from './replay-readers-support.ts';
import { parseExportTime, parseIsoTime } from '../recordings/time.ts';

const read = readAll;

const bySession = (events: ReplayEvent[]): Map<string, ReplayEvent[]> => {
  const m = new Map<string, ReplayEvent[]>();
  for (const e of events) m.set(e.sessionId, [...(m.get(e.sessionId) ?? []), e]);
  return m;
};

test('each export row becomes the requests that produced its final state, in time order', async () => {
  const { events } = await read(`${FIX}/session-export.csv`);
  for (let i = 1; i < events.length; i++)
    assert.ok((events[i] as ReplayEvent).time >= (events[i - 1] as ReplayEvent).time, 'time never goes back');
  const s = bySession(events);
  const steps = (id: string): string[] => (s.get(id) ?? []).map((e) => e.step.step);
  assert.deepEqual(steps('ORD-2026-0001'), ['open', 'close']);
  assert.deepEqual(steps('ORD-2026-0002'), ['open']);
  assert.deepEqual(steps('ORD-2026-0003'), ['open', 'close', 'cancel']);
  assert.deepEqual(steps('ORD-2026-0004'), ['open', 'close', 'return']);
  assert.deepEqual(steps('ORD-2026-0005'), ['open', 'cancel']);
  assert.deepEqual(steps('ORD-2026-0006'), ['open', 'close', 'reopen'], 'open with a close time: it was reopened');
  assert.deepEqual(steps('guest/2026 #7'), ['open', 'close'], "Go's zero time in cancelledat means no cancellation");
  for (const [, list] of s) {
    assert.equal(list.filter((e) => e.lastOfSession).length, 1);
    assert.equal(list[list.length - 1]?.lastOfSession, true);
    assert.ok(list.every((e) => e.finalState !== undefined));
  }
});

test("each export event is labelled with the generated lifecycle kind its session's final state corresponds to", async () => {
  const { events } = await read(`${FIX}/session-export.csv`);
  const kinds = new Map<string, Set<string>>();
  for (const e of events) kinds.set(e.sessionId, (kinds.get(e.sessionId) ?? new Set()).add(e.kind));
  assert.deepEqual(Object.fromEntries([...kinds].map(([id, k]) => [id, [...k]])), {
    'ORD-2026-0001': ['checkout'], // closed
    'ORD-2026-0002': ['browse'], // open
    'ORD-2026-0003': ['checkout_cancel'], // cancelled, with a close time
    'ORD-2026-0004': ['return'], // partially returned
    'ORD-2026-0005': ['cancel_before_checkout'], // cancelled, never closed
    'ORD-2026-0006': ['reopen'], // open, with a close time
    'guest/2026 #7': ['checkout'],
  });
  // The excel-dated twin of the fixture says the same.
  const excel = await read(`${FIX}/session-export-excel.csv`);
  assert.ok(excel.events.every((e) => e.kind !== 'recorded'));
});

test('the open carries the whole recorded session; read-only cart fields are dropped', async () => {
  const { events } = await read(`${FIX}/session-export.csv`);
  const open = events.find((e) => e.sessionId === 'ORD-2026-0001' && e.step.step === 'open') as ReplayEvent;
  assert.equal(open.time, Date.parse('2026-03-14T09:15:02Z'));
  assert.equal(open.step.method, 'PUT');
  assert.equal(open.step.path, '/v2/customer_sessions/ORD-2026-0001');
  assert.equal(open.step.expect, 'open');
  assert.equal(open.profileId, 'cust-8841');
  assert.equal(open.source.line, 2);
  assert.deepEqual(bodyOf(open), {
    customerSession: {
      profileId: 'cust-8841',
      storeIntegrationId: 'berlin-01',
      couponCodes: ['CLSPRING2026'],
      referralCode: 'RFWELCOME10',
      identifiers: ['6b86b273ff34fce19d6b804eff5a3f57'],
      cartItems: [
        { sku: 'MUG-300', name: 'Mug "Classic", 300ml', quantity: 2, price: 12.5, category: 'Kitchen, Dining' },
        {
          sku: 'TEE-M-BLK',
          name: 'T-shirt, black (M)',
          quantity: 1,
          price: 24,
          category: 'Apparel',
          attributes: { color: 'black', size: 'M' },
        },
      ],
      additionalCosts: { shipping: { price: 4.9 } },
      attributes: { ShippingCity: 'Berlin, Mitte', Note: 'leave at "door"' },
    },
  });
  const close = events.find((e) => e.sessionId === 'ORD-2026-0001' && e.step.step === 'close') as ReplayEvent;
  assert.equal(close.time, Date.parse('2026-03-14T09:21:40Z'));
  assert.equal((bodyOf(close) as { customerSession: { state: string } }).customerSession.state, 'closed');
});

test('cancel, return and reopen requests are built from what the row says', async () => {
  const { events } = await read(`${FIX}/session-export.csv`);
  const find = (id: string, step: string): ReplayEvent =>
    events.find((e) => e.sessionId === id && e.step.step === step) as ReplayEvent;
  const cancel = find('ORD-2026-0003', 'cancel');
  assert.deepEqual(bodyOf(cancel), { customerSession: { profileId: 'cust-3310', state: 'cancelled' } });
  assert.equal(cancel.time, Date.parse('2026-03-14T11:30:00Z'));
  const open3 = find('ORD-2026-0003', 'open');
  const cs3 = (bodyOf(open3) as { customerSession: Record<string, unknown> }).customerSession;
  assert.deepEqual(cs3.couponCodes, ['CLAB12CD34', 'CLXY98ZW76'], 'comma-separated list cell');
  assert.deepEqual(cs3.identifiers, ['a1b2c3', 'd4e5f6']);
  assert.equal(open3.time, Date.parse('2026-03-14T08:55:10.250Z'));

  const ret = find('ORD-2026-0004', 'return');
  assert.equal(ret.step.method, 'POST');
  assert.equal(ret.step.path, '/v2/customer_sessions/ORD-2026-0004/returns');
  assert.deepEqual(bodyOf(ret), { return: { returnedCartItems: [{ position: 0, quantity: 1 }] } });
  assert.equal(ret.time, Date.parse('2026-03-15T16:45:00Z'), 'the return happens at the last update');
  assert.equal(ret.step.expect, 'partially_returned');

  const reopen = find('ORD-2026-0006', 'reopen');
  assert.equal(reopen.step.method, 'PUT');
  assert.equal(reopen.step.path, '/v2/customer_sessions/ORD-2026-0006/reopen');
  assert.equal(bodyOf(reopen), undefined);
  assert.equal(reopen.time, Date.parse('2026-03-14T09:07:30Z'));

  const zoned = find('ORD-2026-0005', 'open');
  assert.equal(zoned.time, Date.parse('2026-03-14T08:30:00Z'), '+01:00 offset honoured');
  const guest = find('guest/2026 #7', 'open');
  assert.equal(guest.step.path, '/v2/customer_sessions/guest%2F2026%20%237');
  assert.equal(guest.profileId, undefined);
  assert.deepEqual((bodyOf(guest) as { customerSession: Record<string, unknown> }).customerSession, {
    cartItems: [{ sku: 'BAG-TOTE', quantity: 1, price: 19.9, product: { name: 'Tote, "eco"' } }],
  });
});

test('the excel date format (serial days, "YYYY-MM-DD HH:MM:SS", CRLF) reads to the same events', async () => {
  const iso = await read(`${FIX}/session-export.csv`);
  const excel = await read(`${FIX}/session-export-excel.csv`);
  const strip = (es: ReplayEvent[]): unknown[] => es.map((e) => ({ ...e, source: e.source.line }));
  assert.deepEqual(strip(excel.events), strip(iso.events));
});

test('date parsing: ISO 8601 variants, excel serials, and what is refused', () => {
  assert.equal(parseIsoTime('2026-03-14T09:00:00.123456Z'), Date.parse('2026-03-14T09:00:00.123Z') + 0.456);
  assert.equal(parseIsoTime('2026-03-14 09:00:00'), Date.parse('2026-03-14T09:00:00Z'));
  assert.equal(parseIsoTime('2026-03-14T10:30:00+0130'), Date.parse('2026-03-14T09:00:00Z'));
  assert.equal(parseIsoTime('2026-03-14T07:00:00-02:00'), Date.parse('2026-03-14T09:00:00Z'));
  assert.equal(parseIsoTime('2024-02-29T00:00:00Z'), Date.parse('2024-02-29T00:00:00Z'));
  for (const bad of [
    '2026-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-03-14T24:00:00Z',
    '14/03/2026',
    '',
    'yesterday',
    '1710406800',
  ]) {
    assert.equal(parseIsoTime(bad), undefined, bad);
  }
  assert.equal(parseExportTime('46095.375'), Date.parse('2026-03-14T09:00:00Z'));
  assert.equal(parseExportTime('46095'), Date.parse('2026-03-14T00:00:00Z'));
  assert.equal(parseExportTime('2026-03-14 09:00:00'), Date.parse('2026-03-14T09:00:00Z'));
  assert.equal(parseExportTime('12'), undefined, 'serials before March 1900 are refused');
});

test('bad export rows are skipped with file, line, column and reason, and good rows still read', async () => {
  const file = `${FIX}/session-export-bad.csv`;
  const { events, issues } = await read(file, 'skip');
  assert.deepEqual(
    issues.map((i) => [i.line, i.reason]),
    [
      [3, 'bad-json'],
      [4, 'bad-date'],
      [30, 'over-limit'],
      [31, 'over-limit'],
      [32, 'bad-value'],
      [33, 'inconsistent-row'],
      [34, 'bad-date'],
      [36, 'missing-column'],
    ],
  );
  for (const i of issues) {
    assert.equal(i.file, file);
    assert.ok(i.message.startsWith(`${file}:${i.line}:`), i.message);
  }
  assert.match(issues[0]?.message ?? '', /column "cartitems": not valid JSON/);
  assert.match(issues[1]?.message ?? '', /column "created": .*"14\/03\/2026 09:15"/);
  assert.match(issues[2]?.message ?? '', /total cart quantity 20000, over the API's limit of 10000/);
  assert.deepEqual([...new Set(events.map((e) => e.sessionId))].sort(), [
    'ORD-2026-0002',
    'ORD-2026-0005',
    'guest/2026 #7',
  ]);
});

test('with onError abort the first bad export row stops the read with a RecordingError', async () => {
  const file = `${FIX}/session-export-bad.csv`;
  await assert.rejects(read(file, 'abort'), (err: unknown) => {
    assert.ok(err instanceof RecordingError);
    assert.equal(err.issue.line, 3);
    assert.equal(err.issue.reason, 'bad-json');
    assert.match(err.message, /session-export-bad\.csv:3: column "cartitems"/);
    return true;
  });
});
