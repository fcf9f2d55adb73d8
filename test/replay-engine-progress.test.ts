// The live progress line: rewritten in place on a terminal, plain lines otherwise (CI logs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatProgress, startProgress, type ProgressSnapshot } from '../engine/progress.ts';

const snap = (sent: number, elapsedMs: number): ProgressSnapshot => ({
  elapsedMs,
  sent,
  inFlight: 3,
  errors: 1,
  lagP99: 1.234,
});

test('formatProgress names sent, in flight, rate, lag p99 and errors', () => {
  assert.equal(formatProgress(snap(120, 5000), 24), '   5 s  sent 120  in flight 3  24/s  lag p99 1.2 ms  errors 1');
  assert.equal(
    formatProgress({ elapsedMs: 1000, sent: 5, inFlight: 0, errors: 0 }, 5),
    '   1 s  sent 5  in flight 0  5/s  errors 0',
  );
});

for (const tty of [false, true]) {
  test(`startProgress ${tty ? 'rewrites one line on a terminal and clears it' : 'prints plain lines when not a terminal'}`, async () => {
    const out: string[] = [];
    let sent = 0;
    let elapsed = 0;
    const stop = startProgress(
      { isTTY: tty, write: (t: string) => out.push(t) },
      () => snap((sent += 10), (elapsed += 1000)),
      { ttyIntervalMs: 5, plainIntervalMs: 5 },
    );
    for (let i = 0; i < 200 && out.length < 2; i++) await sleep(5);
    stop();
    assert.ok(out.length >= 2, `${out.length} updates`);
    if (tty) {
      assert.ok(out.slice(0, -1).every((l) => l.startsWith('\r\x1b[2K') && !l.includes('\n')));
      assert.equal(out.at(-1), '\r\x1b[2K', 'the line is cleared at the end');
    } else {
      assert.ok(out.every((l) => l.endsWith('\n') && !l.includes('\r')));
      // The rate is over the last interval: 10 more sends per 1000 ms of elapsed time.
      assert.match(out[1] ?? '', /sent 20 .* 10\/s /);
    }
  });
}
