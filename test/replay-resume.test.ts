// --checkpoint and --resume, as a user runs them: the CLI killed with SIGKILL at a random point
// (bounded: a random count of requests the target got) and resumed, against a loopback server
// that sees every request and answers after a delay (so requests are in flight at the kill).
// Across both runs no step reaches the target twice; every step that never reached it is one of
// the steps the resume reports in doubt (the rest of those did reach it, their answers cut off);
// there are at most --connections of them. A clean stop (SIGINT) leaves nothing in doubt.
// Only the runs that are killed are spawned (the package bin, a process of its own); the resumes and
// the refusals run main() in this process, as the bin does, at a fraction of a spawn's cost.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReplayEvent } from '../recordings/events.ts';
import { makeEvents } from './fixtures/replay-engine/events.ts';
import { writeRequestLog } from './fixtures/replay-engine/request-log.ts';
import { sessionOfPath, startRecorder, type RecorderServer } from './fixtures/replay-engine/server.ts';
import { runMain, spawnCartload } from './helpers/cli.ts';

const KEY = 'resume-test-key';
const CONNECTIONS = 4;
let dir: string;
let file: string;
let events: ReplayEvent[];
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-resume-'));
  file = join(dir, 'sessions.csv');
  // Three distinct requests per session (a repeat would show), 40 sessions over 2 s.
  events = makeEvents({ sessions: 40, steps: ['open', 'close', 'reopen'], gapMs: 50, stepMs: 20 });
  await writeRequestLog(file, events);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = { TALON_API_KEY: KEY, TALON_BASE_URL: '' };
const replayArgs = (server: RecorderServer, results: string): string[] => [
  'replay',
  file,
  '--target',
  server.url,
  '--connections',
  String(CONNECTIONS),
  '--results-dir',
  results,
  '--no-progress',
  '--workers',
  '1',
];
const keyOf = (method: string, path: string, body: string): string => `${method} ${path.split('?')[0]} ${body}`;
const sent = (server: RecorderServer): string[] =>
  server.received.filter((r) => !r.path.includes('preflight')).map((r) => keyOf(r.method, r.path, r.body));

async function interruptAndResume(
  signal: 'SIGKILL' | 'SIGINT',
  afterRequests: number,
): Promise<{ server: RecorderServer; inDoubt: { session: string; step: string }[]; resumeErr: string }> {
  const server = await startRecorder({ delayMs: () => 40 });
  const cp = join(dir, `cp-${signal}-${afterRequests}.ndjson`);
  const first = spawnCartload([...replayArgs(server, join(dir, `r1-${signal}-${afterRequests}`)), '--checkpoint', cp], {
    env,
  });
  for (let i = 0; i < 600 && server.received.length < afterRequests + 1; i++) await sleep(20);
  first.kill(signal);
  await first.code;
  // Answers the killed client never read must not count in the second run.
  await sleep(100);
  // --asap: what the resume sends and reports does not depend on its pace.
  const resumed = await runMain(
    [...replayArgs(server, join(dir, `r2-${signal}-${afterRequests}`)), '--resume', cp, '--asap'],
    { env },
  );
  assert.equal(resumed.code, 0, resumed.stderr);
  const inDoubt = [...resumed.stderr.matchAll(/in doubt: session (\S+), step (\S+)/g)].map((m) => ({
    session: m[1] as string,
    step: m[2] as string,
  }));
  return { server, inDoubt, resumeErr: resumed.stderr };
}

function check(server: RecorderServer, inDoubt: { session: string; step: string }[], prefixOf: string): void {
  const got = sent(server);
  assert.equal(new Set(got).size, got.length, 'no step reached the target twice');
  assert.equal(server.overlaps, 0);
  const expected = new Map<string, { session: string; step: string }>();
  for (const e of events) {
    const path = e.step.path.replace(`/${e.sessionId}`, `/${encodeURIComponent(prefixOf + e.sessionId)}`);
    expected.set(keyOf(e.step.method, path, e.step.body === undefined ? '' : JSON.stringify(e.step.body)), {
      session: prefixOf + e.sessionId,
      step: e.step.step,
    });
  }
  for (const k of got) assert.ok(expected.has(k), `an unexpected request: ${k}`);
  const missing = [...expected].filter(([k]) => !got.includes(k)).map(([, v]) => v);
  const doubt = new Set(inDoubt.map((d) => `${d.session} ${d.step}`));
  for (const m of missing)
    assert.ok(
      doubt.has(`${m.session} ${m.step}`),
      `${m.session} ${m.step} never reached the target and was not reported in doubt`,
    );
  assert.ok(inDoubt.length <= CONNECTIONS, `${inDoubt.length} in doubt, more than --connections`);
}

for (const at of [Math.floor(5 + Math.random() * 45), Math.floor(55 + Math.random() * 55)]) {
  test(`SIGKILL after ${at} requests, then --resume: no step twice, the missing ones all reported in doubt`, {
    timeout: 180_000,
  }, async () => {
    const { server, inDoubt } = await interruptAndResume('SIGKILL', at);
    try {
      const prefix = sessionOfPath(server.received.find((r) => !r.path.includes('preflight'))?.path ?? '').replace(
        /s\d+$/,
        '',
      );
      check(server, inDoubt, prefix);
    } finally {
      await server.close();
    }
  });
}

test('SIGINT, then --resume: nothing in doubt and every step sent exactly once', { timeout: 180_000 }, async () => {
  const { server, inDoubt, resumeErr } = await interruptAndResume('SIGINT', 30);
  try {
    assert.deepEqual(inDoubt, [], 'a clean stop drains what is in flight');
    assert.match(resumeErr, /resumed: \d+ step\(s\) were done before this run/);
    const prefix = sessionOfPath(server.received.find((r) => !r.path.includes('preflight'))?.path ?? '').replace(
      /s\d+$/,
      '',
    );
    check(server, inDoubt, prefix);
    assert.equal(sent(server).length, events.length, 'every step, once');
  } finally {
    await server.close();
  }
});

test('--resume refuses a checkpoint of another file, a missing one, and --checkpoint over an existing one', async () => {
  const other = join(dir, 'other.csv');
  await writeRequestLog(other, events.slice(0, 3));
  const cp = join(dir, 'cp-refuse.ndjson');
  const server = await startRecorder();
  try {
    const a = await runMain([...replayArgs(server, join(dir, 'rr1')), '--checkpoint', cp, '--asap'], { env });
    assert.equal(a.code, 0, a.stderr);
    const b = await runMain(
      ['replay', other, '--target', server.url, '--resume', cp, '--results-dir', join(dir, 'rr2')],
      { env },
    );
    assert.equal(b.code, 2);
    assert.match(b.stderr, /the checkpoint is of .*sessions\.csv, not .*other\.csv/);
    const c = await runMain([...replayArgs(server, join(dir, 'rr3')), '--checkpoint', cp], { env });
    assert.equal(c.code, 2);
    assert.match(c.stderr, /exists: continue it with --resume/);
    const d = await runMain([...replayArgs(server, join(dir, 'rr4')), '--resume', join(dir, 'nope.ndjson')], {
      env,
    });
    assert.equal(d.code, 2);
    assert.match(d.stderr, /no such checkpoint/);
    // Resuming a finished replay sends nothing, not even the preflight, and is no error.
    const before = server.received.length;
    const e = await runMain([...replayArgs(server, join(dir, 'rr5')), '--resume', cp, '--asap'], { env });
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stderr, /nothing left to send: the replay of .*sessions\.csv was finished before/);
    assert.equal(server.received.length - before, 0);
  } finally {
    await server.close();
  }
});
