// `cartload capacity --from <run>` (and `cartload capacity-report`): the capacity report of a
// finished run, judged again from its measurements, optionally under another SLO: "what rate would
// we sustain if p95 had to stay under 300 ms?" needs no second run. Reads the run folder of
// `cartload capacity` (either engine) and of a k6 run of dist/capacity.js, including those written
// before capacity.json carried the probes (then the steps are read again from k6-summary.json).
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { capacityReport, type CapacityFile, type CapacityProbe, type CapacitySlo } from '../model/capacity.ts';
import { CartloadError } from '../model/errors.ts';
import { renderCapacityText } from '../report/capacity.ts';
import { K6_CAPACITY_NOTE, probesFromK6Summary } from '../scenarios/lib/capacity.ts';
import type { K6SummaryData } from '../scenarios/lib/k6-summary.ts';
import type { CapacityStep } from '../scenarios/lib/load.ts';

export class CapacityInputError extends CartloadError {
  override name = 'CapacityInputError';
}

export interface CapacityRun {
  /** The run's file with its report recomputed under `slo`. */
  file: CapacityFile;
  slo: CapacitySlo;
  text: string;
  verdict: string;
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CapacityInputError(
      `${file}: cannot read the ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CapacityInputError(`${file}: the ${what} is not valid JSON (${(err as Error).message})`);
  }
}

/** The files of a run: a run folder, its capacity.json, or its k6-summary.json (flat `capacity-k6-summary.json` too). */
export async function capacityFiles(path: string): Promise<{ summary: string; capacity: string }> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new CapacityInputError(`${path}: no such run folder or file`);
  }
  if (isDir) return { summary: join(path, 'k6-summary.json'), capacity: join(path, 'capacity.json') };
  if (path.endsWith('capacity.json'))
    return { summary: `${path.slice(0, -'capacity.json'.length)}k6-summary.json`, capacity: path };
  if (!path.endsWith('k6-summary.json'))
    throw new CapacityInputError(`${path}: expected a run folder, its capacity.json or its k6-summary.json`);
  return { summary: path, capacity: `${path.slice(0, -'k6-summary.json'.length)}capacity.json` };
}

function checkSlo(slo: CapacitySlo): void {
  for (const [k, v] of Object.entries(slo)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new CapacityInputError(`SLO ${k}: must be a number ≥ 0, got ${String(v)}`);
  }
}

function isSteps(v: unknown): v is CapacityStep[] {
  return (
    Array.isArray(v) &&
    v.every((s) => typeof (s as CapacityStep | null)?.rate === 'number' && typeof (s as CapacityStep).hold === 'string')
  );
}

function isProbes(v: unknown): v is CapacityProbe[] {
  return (
    Array.isArray(v) &&
    v.every(
      (p) =>
        typeof (p as CapacityProbe | null)?.rate === 'number' &&
        typeof (p as CapacityProbe).latency === 'object' &&
        typeof (p as CapacityProbe).generator === 'object',
    )
  );
}

/** Judges a run again; `slo` overrides the run's own SLO field by field. */
export async function capacityFromRun(path: string, slo: Partial<CapacitySlo> = {}): Promise<CapacityRun> {
  const files = await capacityFiles(path);
  const raw = (await readJson(files.capacity, 'capacity file')) as (Partial<CapacityFile> & { steps?: unknown }) | null;
  if (raw === null || typeof raw !== 'object')
    throw new CapacityInputError(`${files.capacity}: not a capacity file (expected a JSON object)`);
  const merged: CapacitySlo = {
    ...(raw.slo as CapacitySlo),
    ...(Object.fromEntries(Object.entries(slo).filter(([, v]) => v !== undefined)) as Partial<CapacitySlo>),
  };
  checkSlo(merged);
  let probes: CapacityProbe[];
  if (isProbes(raw.probes)) probes = raw.probes;
  else if (isSteps(raw.steps)) {
    // Written before capacity.json carried the probes: read the steps again from k6's summary.
    const data = (await readJson(files.summary, 'k6 summary')) as K6SummaryData;
    if (
      data === null ||
      typeof data !== 'object' ||
      typeof data.metrics !== 'object' ||
      data.metrics === null ||
      typeof data.state !== 'object'
    ) {
      throw new CapacityInputError(`${files.summary}: not k6 handleSummary data (no "metrics" object)`);
    }
    probes = probesFromK6Summary(data, raw.steps);
  } else {
    throw new CapacityInputError(
      `${files.capacity}: neither "probes" (cartload capacity) nor "steps" (a k6 capacity run): not a capacity file`,
    );
  }
  const tolerance = raw.search?.tolerance;
  const report = capacityReport(probes, merged, tolerance);
  const engine = raw.engine === 'node' ? 'node' : 'k6';
  const file: CapacityFile = {
    tool: 'cartload',
    kind: 'capacity',
    schemaVersion: 1,
    engine,
    runId: raw.runId ?? '',
    target: raw.target ?? '',
    startedAt: raw.startedAt ?? '',
    endedAt: raw.endedAt ?? '',
    options: raw.options ?? {},
    ...(raw.search ? { search: raw.search } : {}),
    slo: merged,
    ...(raw.knownCeiling !== undefined ? { knownCeiling: raw.knownCeiling } : {}),
    probes,
    stoppedBy: raw.stoppedBy ?? 'staircase',
    report,
  };
  const text = renderCapacityText({
    probes,
    report,
    stoppedBy: file.stoppedBy,
    ...(file.knownCeiling !== undefined ? { knownCeiling: file.knownCeiling } : {}),
    notes: engine === 'k6' ? [K6_CAPACITY_NOTE] : [],
  });
  return { file, slo: merged, text, verdict: report.verdict };
}
