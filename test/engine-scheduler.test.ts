// The scheduler and the pacers without HTTP: a hand-made clock, a list for "sent", and the rules
// (due times, one step per session at a time, the connection cap, failed sessions, stopping, the
// --duration deadline) checked exactly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsapPacer, RatePacer, SpeedPacer } from '../engine/pacer.ts';
import { Scheduler } from '../engine/scheduler.ts';
import type { Session, StepItem } from '../engine/types.ts';

function session(id: string): Session {
  return {
    id,
    key: id,
    kind: 'recorded',
    busy: false,
    failed: false,
    ended: false,
    begun: false,
    cut: false,
    pending: 0,
    lastTime: 0,
    queue: undefined,
  };
}

let seq = 0;
function item(s: Session, stepName: string, due: number, last = false): StepItem {
  s.pending++;
  return {
    due,
    seq: seq++,
    session: s,
    stepName,
    endpoint: 'PUT /v2/customer_sessions/{id}',
    method: 'PUT',
    path: `/x/${s.id}`,
    body: undefined,
    recordedStatus: undefined,
    last,
    ready: due,
    sentAt: 0,
  };
}

function harness(connections: number, paced = true) {
  const sent: string[] = [];
  const events: string[] = [];
  const table = new Set<Session>();
  const sch = new Scheduler(connections, paced, {
    send: (i, t) => sent.push(`${i.session.id}.${i.stepName}@${t}`),
    session: (change, s) => events.push(`${change} ${s.id}`),
    leftOut: (why, reason, n = 1) => void (n > 0 && events.push(`${why}:${reason} ${n}`)),
    forget: (s) => table.delete(s),
    sessions: () => table,
  });
  return { sch, sent, events, table };
}

test('steps go at their due time, not before, in due order', () => {
  const { sch, sent } = harness(8);
  const a = session('a');
  const b = session('b');
  sch.add(item(b, 'open', 20), 0);
  sch.add(item(a, 'open', 10), 0);
  assert.equal(sch.nextDue(), 10);
  sch.pump(9);
  assert.deepEqual(sent, []);
  sch.pump(10);
  assert.deepEqual(sent, ['a.open@10']);
  sch.pump(25);
  assert.deepEqual(sent, ['a.open@10', 'b.open@25']);
  assert.equal(sch.nextDue(), Infinity);
  assert.equal(sch.inFlight, 2);
});

test('a step due while its session is busy waits for the answer, and its ready time is that answer', () => {
  const { sch, sent } = harness(8);
  const a = session('a');
  const open = item(a, 'open', 0);
  const update = item(a, 'update', 5);
  sch.add(open, 0);
  sch.add(update, 0);
  sch.pump(6);
  assert.deepEqual(sent, ['a.open@6'], 'the update is due but its session is busy');
  sch.answered(open, 30, false);
  assert.deepEqual(sent, ['a.open@6', 'a.update@30']);
  assert.equal(update.ready, 30);
  assert.equal(update.ready - update.due, 25, 'waiting for the predecessor, measured apart from lag');
});

test('at most `connections` in flight; the rest go in arrival order as answers free connections', () => {
  const { sch, sent } = harness(2, false);
  const items = ['a', 'b', 'c', 'd'].map((id) => item(session(id), 'open', 0));
  for (const i of items) sch.add(i, 0);
  assert.deepEqual(sent, ['a.open@0', 'b.open@0']);
  sch.answered(items[1] as StepItem, 3, false);
  sch.pump(3);
  assert.deepEqual(sent, ['a.open@0', 'b.open@0', 'c.open@3']);
  assert.equal(sch.inFlight, 2);
  assert.equal(sch.buffered, 3);
});

test('a failed step fails its session once; its queued and later steps are left out, never sent', () => {
  const { sch, sent, events } = harness(8);
  const a = session('a');
  const open = item(a, 'open', 0);
  sch.add(open, 0);
  sch.add(item(a, 'update', 1), 0);
  sch.add(item(a, 'close', 50, true), 0);
  sch.pump(2);
  sch.answered(open, 10, true);
  sch.pump(60);
  assert.deepEqual(sent, ['a.open@2']);
  assert.deepEqual(events, ['failed a', 'session-failed:session-failed 1', 'session-failed:session-failed 1']);
  assert.equal(sch.buffered, 0);
  assert.equal(a.pending, 0);
});

test('stop: nothing more is sent; every waiting step is unsent and its session cut, once', () => {
  const h = harness(1);
  const { sch, sent, events, table } = h;
  const a = session('a');
  const b = session('b');
  table.add(a).add(b);
  const aOpen = item(a, 'open', 0);
  sch.add(aOpen, 0);
  sch.add(item(a, 'update', 1), 0);
  sch.add(item(b, 'open', 1), 0);
  sch.add(item(b, 'close', 100), 0);
  sch.pump(2);
  assert.deepEqual(sent, ['a.open@2']);
  sch.stop('stopped');
  sch.answered(aOpen, 5, false);
  sch.pump(200);
  assert.deepEqual(sent, ['a.open@2']);
  assert.deepEqual(events.sort(), ['cut a', 'cut b', 'unsent:stopped 3']);
  assert.equal(sch.buffered, 0);
  sch.add(item(a, 'late', 300), 300);
  assert.equal(sch.buffered, 0, 'a step read after the stop is discarded');
});

test('closeAdmission (the --duration deadline): sessions that have begun go on; the others are left out', () => {
  const { sch, sent, events, table } = harness(1);
  const a = session('a');
  const b = session('b');
  table.add(a).add(b);
  const aOpen = item(a, 'open', 0);
  sch.add(aOpen, 0);
  sch.add(item(b, 'open', 0), 0);
  sch.add(item(a, 'close', 50), 0);
  sch.pump(1);
  assert.deepEqual(sent, ['a.open@1'], 'b waits for the one connection');
  sch.closeAdmission('duration');
  assert.deepEqual(events, ['cut b', 'unsent:duration 1']);
  sch.answered(aOpen, 10, false);
  sch.pump(60);
  assert.deepEqual(sent, ['a.open@1', 'a.close@60']);
});

test('pacers: --speed scales recorded gaps and starts each --loop pass after the last; --rate starts sessions 1/rate apart', () => {
  const speed = new SpeedPacer(2);
  assert.deepEqual(
    [1000, 1100, 1500].map((t) => speed.recorded(t)),
    [0, 50, 250],
  );
  speed.nextPass();
  assert.deepEqual(
    [5000, 5200].map((t) => speed.recorded(t)),
    [250, 350],
  );
  const rate = new RatePacer(50);
  assert.deepEqual(
    [
      [0, true],
      [99, false],
      [5, true],
      [7, true],
      [1e9, false],
    ].map(([t, isNew]) => rate.recorded(t as number, isNew as boolean)),
    [0, 0, 20, 40, 40],
    "a session's later steps go behind the latest start",
  );
  assert.equal(rate.planStart(3), 60);
  assert.equal(rate.planStep(60, 15), 75);
  let now = 7;
  const asap = new AsapPacer(() => now);
  assert.equal(asap.paced, false);
  assert.equal(asap.recorded(), 7);
  now = 9;
  assert.equal(asap.planStep(asap.planStart(), 1000), 9);
});
