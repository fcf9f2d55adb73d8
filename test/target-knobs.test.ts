// The server's building blocks without sockets or timers: the per-key serializer (Talon.One's
// one-in-process-two-queued rule), the worker pool, and the knob parsers and samplers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDistribution, resolveKnobs, sampler, seededRandom } from '../emulator/server/knobs.ts';
import { KeyedSerializer, WorkerPool } from '../emulator/server/serializer.ts';

describe('KeyedSerializer', () => {
  test('admits 1 in process + 2 queued per key, refuses the 4th, and names the full key', () => {
    const s = new KeyedSerializer();
    for (let i = 0; i < 3; i++) assert.equal(s.admit(['s1', 'p1']), undefined);
    assert.equal(s.admit(['s2', 'p1']), 'p1', 'the profile is full even for another session');
    assert.equal(s.admit(['s1']), 's1');
    assert.equal(s.admit(['s3', 'p2']), undefined, 'other keys are unaffected');
  });

  test('a refused request counts against no key', () => {
    const s = new KeyedSerializer();
    for (let i = 0; i < 3; i++) s.admit(['p']);
    assert.equal(s.admit(['fresh', 'p']), 'p');
    for (let i = 0; i < 3; i++)
      assert.equal(s.admit(['fresh']), undefined, 'fresh was not counted by the refused request');
  });

  test('hands the key over in arrival order and forgets idle keys', async () => {
    const s = new KeyedSerializer();
    const order: string[] = [];
    for (let i = 0; i < 3; i++) s.admit(['k']);
    assert.equal(s.acquire('k'), undefined, 'the first takes the key at once');
    const second = s.acquire('k')!.then(() => order.push('second'));
    const third = s.acquire('k')!.then(() => order.push('third'));
    assert.equal(s.keysInFlight, 1);
    s.release('k');
    await second;
    assert.deepEqual(order, ['second']);
    s.release('k');
    await third;
    s.release('k');
    assert.deepEqual(order, ['second', 'third']);
    assert.equal(s.keysInFlight, 0);
    assert.equal(s.admit(['k']), undefined);
  });
});

describe('WorkerPool', () => {
  test('serves up to the workers at once, queues up to the limit, refuses beyond', async () => {
    const pool = new WorkerPool(2, 1);
    assert.equal(pool.take(), undefined);
    assert.equal(pool.take(), undefined);
    const queued = pool.take();
    assert.ok(queued instanceof Promise);
    assert.equal(pool.take(), false, 'the queue is full');
    assert.equal(pool.waiting, 1);
    pool.give();
    await queued;
    assert.equal(pool.busy, 2, 'the worker went straight to the queued request');
    pool.give();
    pool.give();
    assert.equal(pool.busy, 0);
  });

  test('a worker handed on carries when its last service ended, so timer lateness does not lower the ceiling', async () => {
    const pool = new WorkerPool(1, 10);
    assert.equal(pool.take(), undefined);
    const next = pool.take();
    assert.ok(next instanceof Promise);
    pool.give(1234.5);
    assert.equal(await next, 1234.5, "the next service starts at the previous one's scheduled end");
    pool.give(2000);
    assert.equal(pool.busy, 0);
  });
});

describe('knobs', () => {
  test('distribution forms', () => {
    assert.deepEqual(parseDistribution('50', 'latency'), { kind: 'fixed', ms: 50 });
    assert.deepEqual(parseDistribution(' 2.5 ', 'latency'), { kind: 'fixed', ms: 2.5 });
    assert.deepEqual(parseDistribution('20..80', 'latency'), { kind: 'uniform', min: 20, max: 80 });
    assert.deepEqual(parseDistribution('uniform:1:2', 'latency'), { kind: 'uniform', min: 1, max: 2 });
    assert.deepEqual(parseDistribution('exp:50', 'latency'), { kind: 'exponential', mean: 50 });
    assert.deepEqual(parseDistribution('normal:50:10', 'latency'), { kind: 'normal', mean: 50, sd: 10 });
    assert.deepEqual(parseDistribution({ kind: 'fixed', ms: 3 }, 'latency'), { kind: 'fixed', ms: 3 });
    for (const bad of ['', '-5', 'fast', 'exp:', 'normal:1', '5ms'])
      assert.throws(() => parseDistribution(bad, 'latency'), /latency/, bad);
    assert.throws(
      () => parseDistribution({ kind: 'fixed', ms: -1 }, 'service time'),
      /service time: ms must be a number ≥ 0/,
    );
  });

  test('samplers stay in range and repeat for a seed', () => {
    const draw = (spec: string, seed: number) => {
      const next = sampler(parseDistribution(spec, 'x'), seededRandom(seed));
      return Array.from({ length: 2_000 }, next);
    };
    const uniform = draw('20..80', 1);
    assert.ok(uniform.every((v) => v >= 20 && v <= 80));
    assert.deepEqual(uniform, draw('20..80', 1));
    assert.notDeepEqual(uniform, draw('20..80', 2));
    const exp = draw('exp:50', 3);
    assert.ok(exp.every((v) => v >= 0));
    const mean = exp.reduce((a, b) => a + b, 0) / exp.length;
    assert.ok(mean > 40 && mean < 60, `exponential mean near 50, got ${mean}`);
    assert.ok(
      draw('normal:5:10', 4).every((v) => v >= 0),
      'normal draws are cut off at 0',
    );
  });

  test('resolveKnobs: zero latency adds no delay; capacity does; bad values are named', () => {
    assert.equal(resolveKnobs({}).delays, false);
    assert.equal(resolveKnobs({ latency: '0' }).delays, false);
    assert.equal(resolveKnobs({ latency: '1' }).delays, true);
    assert.equal(resolveKnobs({ capacity: { workers: 2, serviceTime: '0' } }).delays, true);
    assert.equal(resolveKnobs({ errorRate: 0.5 }).errorStatus, 503);
    assert.throws(() => resolveKnobs({ errorRate: -0.1 }), /error rate/);
    assert.throws(() => resolveKnobs({ errorStatus: 302 }), /error status/);
    assert.throws(() => resolveKnobs({ capacity: { workers: 1, serviceTime: '1', queueLimit: -1 } }), /queue limit/);
  });
});
