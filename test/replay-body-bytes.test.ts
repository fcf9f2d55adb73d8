// A recorded body is sent as the bytes it was read as: key order, spacing, escapes and number
// spellings survive, with and without --dry and the session prefix, in a sorted file and in one
// whose rows had to be reordered.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'csv-stringify/sync';
import { runEngine } from '../engine/index.ts';
import { replayFile } from '../orchestrate/replay.ts';
import { renderSummaryText } from '../report/text.ts';
import { eventsInput, makeEvents } from './fixtures/replay-engine/events.ts';
import { REQUEST_LOG_COLUMNS } from '../recordings/request-log.ts';
import { sessionOfPath, startRecorder } from './fixtures/replay-engine/server.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-body-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Bodies JSON.stringify(JSON.parse(x)) would change: spaces, key order, \u escapes, 1.50, 1e2, a line break.
const BODIES: Record<string, string> = {
  a: '{ "responseContent": ["customerSession"],  "customerSession": {"profileId": "caf\\u00e9", "cartItems": [{"sku": "S1", "quantity": 1, "price": 1.50}]}}',
  b: '{"customerSession":{"cartItems":[{"quantity":2,"sku":"S2","price":1e2}],"attributes":{"note":"tab\\there"}}}',
  c: '{\n  "customerSession": {\n    "state": "closed"\n  }\n}',
};

function log(rows: Array<[string, string, string]>): string {
  const cols = [...REQUEST_LOG_COLUMNS];
  const at = (c: string): number => cols.indexOf(c as (typeof REQUEST_LOG_COLUMNS)[number]);
  return stringify([
    cols,
    ...rows.map(([time, id, body]) => {
      const r = cols.map(() => '');
      r[at('timestamp')] = time;
      r[at('method')] = 'PUT';
      r[at('path')] = `/v2/customer_sessions/${id}`;
      r[at('body')] = body;
      return r;
    }),
  ]);
}

for (const order of ['sorted', 'reordered'] as const) {
  for (const dry of [false, true]) {
    test(`bodies go out byte for byte (${order} file, dry ${dry})`, async () => {
      const rows: Array<[string, string, string]> = [
        ['2026-03-01T10:00:00.000Z', 'x1', BODIES.a as string],
        ['2026-03-01T10:00:01.000Z', 'x2', BODIES.b as string],
        ['2026-03-01T10:00:02.000Z', 'x3', BODIES.c as string],
      ];
      if (order === 'reordered') rows.reverse();
      const file = join(dir, `${order}-${dry}.csv`);
      await writeFile(file, log(rows));
      const server = await startRecorder();
      try {
        const res = await replayFile({
          file,
          target: server.url,
          timing: { mode: 'asap' },
          resultsDir: join(dir, 'results'),
          preflight: false,
          dry,
          sessionPrefix: 'p-',
        });
        assert.equal(res.outcome, 'ok', res.message);
        const sum = res.summary;
        assert.ok(
          sum?.sendingStartedAt !== undefined && sum.sendingMs !== undefined,
          'the summary says when sending started',
        );
        assert.ok(Date.parse(sum.sendingStartedAt) >= Date.parse(sum.startedAt) && sum.sendingMs <= sum.durationMs);
        const got = new Map(server.received.map((r) => [sessionOfPath(r.path), r]));
        for (const [id, body] of [
          ['x1', BODIES.a],
          ['x2', BODIES.b],
          ['x3', BODIES.c],
        ] as const) {
          const r = got.get(`p-${id}`);
          assert.ok(r, `p-${id} sent`);
          assert.equal(r.body, body, `${id}: the recorded bytes`);
          assert.equal(r.path.includes('dry=true'), dry);
        }
      } finally {
        await server.close();
      }
    });
  }
}

test('reading before the engine starts counts in the run: the summary shows it before sendingStartedAt, and the rate is over the sending phase', async () => {
  const server = await startRecorder();
  try {
    const openedAt = Date.now() - 3000;
    const input = { ...eventsInput(makeEvents({ sessions: 3 })), openedAt };
    const res = await runEngine({
      target: server.url,
      input,
      timing: { mode: 'asap' },
      resultsDir: join(dir, 'results'),
      preflight: false,
    });
    assert.equal(res.outcome, 'ok', res.message);
    const s = res.summary;
    assert.ok(s?.sendingStartedAt !== undefined && s.sendingMs !== undefined);
    assert.equal(Date.parse(s.startedAt), openedAt, 'the run starts when reading began');
    assert.ok(
      s.durationMs >= 3000 && s.durationMs - s.sendingMs >= 2900,
      `${s.durationMs} ms in all, ${s.sendingMs} ms sending`,
    );
    assert.match(renderSummaryText(s), /reading +\d+\.\d s before the first request/);
    assert.match(renderSummaryText(s), new RegExp(`requests +9 in ${(s.sendingMs / 1000).toFixed(1)} s`));
  } finally {
    await server.close();
  }
});
