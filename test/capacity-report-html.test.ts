// A capacity run's folder as a results folder: the highest sustainable probe's results with the
// capacity curve of every probe (results.json `capacity`), which the HTML report draws.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { capacityReport, type CapacityFile, type CapacityProbe } from '../model/capacity.ts';
import { writeCurve } from '../orchestrate/capacity/index.ts';
import { capacityCurve } from '../report/capacity.ts';
import type { Results } from '../report/data/format.ts';
import { writeRunFolder } from '../report/write.ts';
import { synthRun, uniformMs } from './fixtures/compare/results.ts';

const SLO = { p95Ms: 500, p99Ms: 1000, errorRate: 0.01 };
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-capacity-html-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function probe(n: number, rate: number, p95: number, served: number): CapacityProbe {
  return {
    n,
    phase: 'coarse',
    rate,
    warmupMs: 2000,
    holdMs: 4000,
    offered: { sessionsPerSec: rate, requestsPerSec: rate * 4 },
    achieved: { sessionsPerSec: served, requestsPerSec: served * 4 },
    latency: { count: 400, p50: p95 / 2, p95, p99: p95 * 1.2, max: p95 * 2 },
    requests: 400,
    failed: 0,
    conflicts409: 0,
    statuses: { '200': 400 },
    generator: { delivered: true, measuring: true, droppedSessions: 0, notes: [] },
    dir: `probes/probe-0${n}`,
  };
}

test('the run folder gets the sustainable probe’s results with the curve, and report.html draws it', async () => {
  const probes = [probe(1, 10, 40, 10), probe(2, 20, 90, 20), probe(3, 40, 2000, 25)];
  const report = capacityReport(probes, SLO, 0.05);
  const file: CapacityFile = {
    tool: 'cartload',
    kind: 'capacity',
    schemaVersion: 1,
    engine: 'node',
    runId: 'cap-1',
    target: 'http://127.0.0.1:1',
    startedAt: '',
    endedAt: '',
    options: {},
    slo: SLO,
    probes,
    stoppedBy: 'max-probes',
    report,
  };
  const curve = capacityCurve(file);
  assert.deepEqual(
    curve.points.map((p) => [p.offered, p.requestsPerSecond, p.withinSlo]),
    [
      [10, 40, true],
      [20, 80, true],
      [40, 100, false],
    ],
  );
  assert.equal(curve.sustainable, 20);
  // Probe 2's own results (as the Node engine writes them once it writes results.json).
  await mkdir(join(dir, 'probes', 'probe-02'), { recursive: true });
  await writeRunFolder(
    join(dir, 'probes', 'probe-02'),
    synthRun('probe-2', { update: { rate: 80, latency: uniformMs(20, 90) } }, { seconds: 4 }),
  );
  await writeCurve(dir, file, 'the text report\n');
  const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as Results;
  assert.equal(results.run.runId, 'cap-1');
  assert.deepEqual(results.capacity, curve);
  assert.match(
    results.notes[0] as string,
    /a capacity search of 3 probes: the figures and charts over time are probe 2's \(20 sessions\/s, the highest sustainable\)/,
  );
  assert.match(await readFile(join(dir, 'report.html'), 'utf8'), /id="capacity-charts"/);
  assert.match(await readFile(join(dir, 'summary.txt'), 'utf8'), /the text report/);
});

test('without a probe that has results.json, the run folder keeps capacity.json and capacity.txt only', async () => {
  const other = join(dir, 'bare');
  await mkdir(join(other, 'probes', 'probe-01'), { recursive: true });
  const probes = [probe(1, 10, 40, 10)];
  const file: CapacityFile = {
    tool: 'cartload',
    kind: 'capacity',
    schemaVersion: 1,
    engine: 'k6',
    runId: 'cap-2',
    target: '',
    startedAt: '',
    endedAt: '',
    options: {},
    slo: SLO,
    probes,
    stoppedBy: 'max-probes',
    report: capacityReport(probes, SLO),
  };
  await writeCurve(other, file, '');
  await assert.rejects(readFile(join(other, 'results.json')), /ENOENT/);
});
