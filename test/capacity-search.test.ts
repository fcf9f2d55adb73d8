// The capacity search and its judgement, driven by a model of a target (no HTTP): a server with a
// ceiling whose latency climbs as the load nears it, the way a queue does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { capacityReport, findKnee, judgeProbe, type CapacityProbe, type CapacitySlo } from '../model/capacity.ts';
import { DEFAULT_SEARCH, nextRate, roundRate, searchCapacity } from '../orchestrate/capacity/search.ts';

const SLO: CapacitySlo = { p95Ms: 500, p99Ms: 1000, errorRate: 0.01 };
const REQ_PER_SESSION = 4;

interface Model {
  /** Sessions/s the target serves at most. */
  ceiling: number;
  /** Sessions/s above which the generator cannot drive the load. */
  generatorMax?: number;
  /** Error share at or above this rate. */
  errorsFrom?: number;
}

/** A probe of the model: M/M/1-like latency under the ceiling, a growing queue above it. */
function modelProbe(m: Model): (rate: number, phase: CapacityProbe['phase'], n: number) => Promise<CapacityProbe> {
  return async (rate, phase, n) => {
    const rho = rate / m.ceiling;
    // Past the ceiling the queue grows through the probe (2 s warm-up, 10 s hold): the wait at
    // time t is (rho − 1) × t.
    const wait = (t: number): number => 20 + (rho - 1) * t * 1000;
    const p50 = rho < 1 ? 20 / (1 - rho * 0.9) : wait(7);
    const served = Math.min(rate, m.ceiling);
    const generatorOk = m.generatorMax === undefined || rate <= m.generatorMax;
    const requests = Math.round(served * REQ_PER_SESSION * 10);
    const failed = m.errorsFrom !== undefined && rate >= m.errorsFrom ? Math.ceil(requests * 0.05) : 0;
    return {
      n,
      phase,
      rate,
      warmupMs: 2000,
      holdMs: 10_000,
      offered: { sessionsPerSec: rate, requestsPerSec: rate * REQ_PER_SESSION },
      achieved: { sessionsPerSec: served, requestsPerSec: served * REQ_PER_SESSION },
      latency:
        rho < 1
          ? { count: requests, p50, p95: p50 * 2, p99: p50 * 3, max: p50 * 4 }
          : { count: requests, p50, p95: wait(11.5), p99: wait(11.9), max: wait(12) },
      ...(rho < 1 ? {} : { trend: { firstHalfP50: wait(4.5), secondHalfP50: wait(9.5) } }),
      requests,
      failed,
      conflicts409: 0,
      statuses: { '200': requests - failed, ...(failed ? { '503': failed } : {}) },
      generator: generatorOk
        ? { delivered: true, measuring: true, droppedSessions: 0, notes: [] }
        : { delivered: false, measuring: true, droppedSessions: 50, notes: ['dropped 50 sessions (no free VU)'] },
    };
  };
}

describe('searchCapacity', () => {
  test('coarse doubling, then refinement to within the tolerance under where the SLO breaks', async () => {
    const seen: number[] = [];
    const r = await searchCapacity({ ...DEFAULT_SEARCH, start: 5 }, SLO, modelProbe({ ceiling: 103 }), {
      onProbe: (p) => void seen.push(p.rate),
    });
    assert.equal(r.stoppedBy, 'tolerance');
    assert.deepEqual(seen.slice(0, 6), [5, 10, 20, 40, 80, 160], 'coarse: × 2 until the SLO breaks');
    const report = capacityReport(r.probes, SLO, 0.05);
    const s = report.sustainable!;
    const b = report.breaking!;
    assert.ok(b.sessionsPerSec > s.sessionsPerSec);
    assert.ok(
      (b.sessionsPerSec - s.sessionsPerSec) / s.sessionsPerSec <= 0.05,
      `bracket ${s.sessionsPerSec}..${b.sessionsPerSec}`,
    );
    // Under this model p95 reaches 500 ms just under the ceiling.
    assert.ok(s.sessionsPerSec > 0.9 * 103 && s.sessionsPerSec < 103, `found ${s.sessionsPerSec}`);
    assert.ok(r.probes.length <= 9, `the saturation estimate keeps the refinement short: ${seen.join(', ')}`);
    assert.equal(s.requestsPerSec, s.sessionsPerSec * REQ_PER_SESSION);
  });

  test('a saturation estimate that misleads costs a few probes, then bisection finds the break', async () => {
    const model = modelProbe({ ceiling: 103 });
    let misled = false;
    // The first probe past the limit reports serving far less than the target can (a stall).
    const probe: typeof model = async (rate, phase, n) => {
      const p = await model(rate, phase, n);
      if (!misled && rate > 103) {
        misled = true;
        return { ...p, achieved: { sessionsPerSec: 60, requestsPerSec: 240 } };
      }
      return p;
    };
    const r = await searchCapacity({ ...DEFAULT_SEARCH, start: 5 }, SLO, probe);
    assert.equal(r.stoppedBy, 'tolerance');
    const rep = capacityReport(r.probes, SLO);
    assert.ok(
      rep.sustainable!.sessionsPerSec > 0.9 * 103 && rep.sustainable!.sessionsPerSec < 103,
      `found ${rep.sustainable!.sessionsPerSec}`,
    );
    assert.ok(r.probes.length <= 14, r.probes.map((p) => p.rate).join(', '));
  });

  test('a first rate that already breaks the SLO steps down', async () => {
    const r = await searchCapacity({ ...DEFAULT_SEARCH, start: 100 }, SLO, modelProbe({ ceiling: 30 }));
    assert.equal(r.stoppedBy, 'tolerance');
    assert.deepEqual(
      r.probes.slice(0, 3).map((p) => p.rate),
      [100, 50, 25],
    );
    const rep = capacityReport(r.probes, SLO);
    assert.ok(rep.sustainable!.sessionsPerSec > 27 && rep.sustainable!.sessionsPerSec < 30);
  });

  test('nothing holds the SLO down to the minimum rate', async () => {
    const r = await searchCapacity({ ...DEFAULT_SEARCH, start: 4, minRate: 1 }, SLO, modelProbe({ ceiling: 0.5 }));
    assert.equal(r.stoppedBy, 'min-rate');
    assert.deepEqual(
      r.probes.map((p) => p.rate),
      [4, 2, 1],
    );
    assert.match(capacityReport(r.probes, SLO).verdict, /no probe held the SLO/);
  });

  test('the generator as the limit is never taken for the target; the search goes on under it', async () => {
    const r = await searchCapacity(
      { ...DEFAULT_SEARCH, start: 10 },
      SLO,
      modelProbe({ ceiling: 1000, generatorMax: 50 }),
    );
    assert.equal(r.stoppedBy, 'generator');
    assert.deepEqual(
      r.probes.map((p) => p.rate),
      [10, 20, 40, 80, 60, 50, 55, 52.5],
    );
    const rep = capacityReport(r.probes, SLO);
    assert.equal(rep.breaking, undefined, 'the target never missed the SLO');
    assert.equal(rep.generatorLimit?.sessionsPerSec, 52.5);
    assert.equal(rep.sustainable?.sessionsPerSec, 50);
    assert.match(rep.verdict, /the load generator, not the target, was the limit at 52.5 sessions\/s/);
  });

  test('a target limit under the generator’s is found though the generator fell short higher up', async () => {
    const r = await searchCapacity(
      { ...DEFAULT_SEARCH, start: 10 },
      SLO,
      modelProbe({ ceiling: 103, generatorMax: 150 }),
    );
    assert.equal(r.stoppedBy, 'tolerance');
    const rep = capacityReport(r.probes, SLO);
    assert.equal(r.probes.find((p) => p.rate === 160)?.generator.delivered, false, 'the coarse step past both limits');
    assert.ok(
      rep.sustainable!.sessionsPerSec > 0.9 * 103 && rep.sustainable!.sessionsPerSec < 103,
      `found ${rep.sustainable!.sessionsPerSec}`,
    );
    assert.ok(rep.breaking && rep.breaking.sessionsPerSec < 150);
  });

  test('bounded: max probes, max rate, budget, interrupt', async () => {
    const few = await searchCapacity({ ...DEFAULT_SEARCH, start: 1, maxProbes: 3 }, SLO, modelProbe({ ceiling: 1000 }));
    assert.equal(few.stoppedBy, 'max-probes');
    assert.equal(few.probes.length, 3);
    const capped = await searchCapacity(
      { ...DEFAULT_SEARCH, start: 10, maxRate: 30 },
      SLO,
      modelProbe({ ceiling: 1000 }),
    );
    assert.equal(capped.stoppedBy, 'max-rate');
    assert.deepEqual(
      capped.probes.map((p) => p.rate),
      [10, 20, 30],
    );
    assert.match(capacityReport(capped.probes, SLO).verdict, /the SLO held at every rate tried/);
    let clock = 0;
    const timed = modelProbe({ ceiling: 1000 });
    const budget = await searchCapacity(
      { ...DEFAULT_SEARCH, start: 1, budgetMs: 35_000 },
      SLO,
      async (r, ph, n) => ((clock += 12_000), timed(r, ph, n)),
      { now: () => clock },
    );
    assert.equal(budget.stoppedBy, 'budget');
    assert.equal(budget.probes.length, 2, 'a third 12 s probe would end after 35 s');
    const ac = new AbortController();
    const stopped = await searchCapacity({ ...DEFAULT_SEARCH, start: 1 }, SLO, modelProbe({ ceiling: 1000 }), {
      signal: ac.signal,
      onProbe: (_p, all) => void (all.length === 2 && ac.abort()),
    });
    assert.equal(stopped.stoppedBy, 'interrupted');
    assert.equal(stopped.probes.length, 2);
    await assert.rejects(
      searchCapacity({ ...DEFAULT_SEARCH, start: 0 }, SLO, modelProbe({ ceiling: 1 })),
      /--start must be a rate above 0/,
    );
    await assert.rejects(
      searchCapacity({ ...DEFAULT_SEARCH, start: 1, tolerance: 0 }, SLO, modelProbe({ ceiling: 1 })),
      /--tolerance must be between/,
    );
  });

  test('nextRate bisects, tries under a saturation estimate, and stops at the tolerance', () => {
    assert.equal(nextRate(100, 104, 0.05, undefined, new Set()), undefined);
    assert.equal(nextRate(100, 200, 0.05, undefined, new Set()), 150);
    assert.equal(nextRate(100, 200, 0.05, 160, new Set()), 156);
    assert.equal(nextRate(156, 200, 0.05, 160, new Set([156])), 163);
    assert.equal(roundRate(123.456), 123);
    assert.equal(roundRate(1.23456), 1.23);
    assert.equal(roundRate(0.0567), 0.06);
  });
});

describe('judgement', () => {
  const probe = modelProbe({ ceiling: 100, errorsFrom: 60 });

  test('each criterion names itself; the generator is judged apart', async () => {
    assert.deepEqual(judgeProbe(await probe(20, 'coarse', 1), SLO), { n: 1, rate: 20, ok: true, reasons: [] });
    const errors = judgeProbe(await probe(60, 'coarse', 2), SLO);
    assert.equal(errors.limit, 'target');
    assert.deepEqual(errors.reasons, ['failed 5.00% ≥ 1%']);
    const over = judgeProbe(await probe(150, 'coarse', 3), SLO);
    assert.ok(over.reasons.includes('served 400 of 600 req/s offered'), over.reasons.join('; '));
    const climbing = { ...(await probe(20, 'coarse', 4)), trend: { firstHalfP50: 30, secondHalfP50: 90 } };
    assert.match(judgeProbe(climbing, SLO).reasons.join(), /latency climbed through the hold \(p50 30 → 90 ms\)/);
    const starved = {
      ...(await probe(20, 'coarse', 5)),
      generator: {
        delivered: true,
        measuring: false,
        droppedSessions: 0,
        eventLoopDelayP99Ms: 400,
        notes: ['event loop delay p99 400 ms'],
      },
    };
    assert.equal(judgeProbe(starved, SLO).limit, 'generator');
  });

  test('another SLO judges the same probes again', async () => {
    const r = await searchCapacity({ ...DEFAULT_SEARCH, start: 10 }, SLO, modelProbe({ ceiling: 100 }));
    const lax = capacityReport(r.probes, SLO);
    const strict = capacityReport(r.probes, { ...SLO, p95Ms: 100 }, 0.05);
    assert.ok(strict.sustainable!.sessionsPerSec < lax.sustainable!.sessionsPerSec);
    assert.ok(strict.bracket! > 0.05, 'the probes were placed for the run SLO: under another one the bracket is wider');
    assert.match(strict.verdict, /wide, wider than the 5% asked/);
  });

  test('the knee is the last rate before p95 grows faster than the rate', async () => {
    const probes = await Promise.all(
      [10, 20, 40, 60, 80, 90].map((r, i) => modelProbe({ ceiling: 100 })(r, 'coarse', i + 1)),
    );
    const knee = findKnee(probes);
    // Model p95: 44, 49, 63, 87, 143, 211 ms: the rise from 60 to 80 is the first faster than the rate.
    assert.equal(knee?.sessionsPerSec, 60);
    assert.equal(findKnee(probes.slice(0, 2)), undefined);
  });
});
