// `cartload capacity-report`: the capacity report of a finished k6 capacity run, recomputed from the
// files its handleSummary wrote (k6-summary.json and capacity.json), optionally under another SLO:
// "what rate would we sustain if p95 had to stay under 300 ms?" needs no second run.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { capacityReport, renderCapacity, type CapacityFile, type CapacityReport } from '../scenarios/lib/capacity.ts';
import type { Slo } from '../scenarios/lib/config.ts';
import type { K6SummaryData } from '../scenarios/lib/k6-summary.ts';
import { CartloadError } from '../model/errors.ts';

export class CapacityInputError extends CartloadError {
  override name = 'CapacityInputError';
}

export interface CapacityRun {
  report: CapacityReport;
  slo: Slo;
  text: string;
  verdict: string;
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CapacityInputError(`${file}: cannot read the ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CapacityInputError(`${file}: the ${what} is not valid JSON (${(err as Error).message})`);
  }
}

/** The two files of a run: a run folder, or the path of its k6-summary.json (flat `capacity-k6-summary.json` too). */
export async function capacityFiles(path: string): Promise<{ summary: string; capacity: string }> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new CapacityInputError(`${path}: no such run folder or file`);
  }
  if (isDir) return { summary: join(path, 'k6-summary.json'), capacity: join(path, 'capacity.json') };
  if (!path.endsWith('k6-summary.json')) throw new CapacityInputError(`${path}: expected a run folder or its k6-summary.json`);
  return { summary: path, capacity: `${path.slice(0, -'k6-summary.json'.length)}capacity.json` };
}

/** Recomputes a capacity run's report; `slo` overrides the run's own SLO field by field. */
export async function capacityFromRun(path: string, slo: Partial<Slo> = {}): Promise<CapacityRun> {
  const files = await capacityFiles(path);
  const data = (await readJson(files.summary, 'k6 summary')) as K6SummaryData;
  if (data === null || typeof data !== 'object' || typeof data.metrics !== 'object' || data.metrics === null) {
    throw new CapacityInputError(`${files.summary}: not k6 handleSummary data (no "metrics" object)`);
  }
  const file = (await readJson(files.capacity, 'capacity file')) as Partial<CapacityFile>;
  if (!Array.isArray(file.steps) || file.steps.some((s) => typeof s?.rate !== 'number' || typeof s.hold !== 'string')) {
    throw new CapacityInputError(`${files.capacity}: "steps" must be the capacity steps ({ rate, ramp, hold }) the run wrote`);
  }
  const merged: Slo = { ...(file.slo as Slo), ...Object.fromEntries(Object.entries(slo).filter(([, v]) => v !== undefined)) };
  for (const [k, v] of Object.entries(merged)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new CapacityInputError(`SLO ${k}: must be a number ≥ 0, got ${String(v)}`);
  }
  const report = capacityReport(data, file.steps, merged);
  const { text, notes } = renderCapacity(report);
  return { report, slo: merged, text, verdict: notes[0] ?? '' };
}
