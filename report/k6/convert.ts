// `cartload convert`: a k6 metric stream (`k6 run --out csv=FILE`, plain or gzipped) into the
// results format, so a k6 run gets the same results.json, summary.json, report and merge as a
// Node engine run. What the stream cannot say (the run ID, the target, the options, k6's own
// threshold verdicts, the exact duration) comes from the run's summary.json (written by the
// scenarios' handleSummary) or k6-summary.json when one is given; otherwise from the stream itself.
import { open, readFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { redact } from '../../model/summary.ts';
import type { Results, RunInfo, ThresholdRecord } from '../data/format.ts';
import { parseSummary } from '../data/parse.ts';
import { gitRevision, toolVersions } from '../environment.ts';
import { K6CsvError, K6StreamConverter } from './stream.ts';

export { K6CsvError } from './stream.ts';

export interface ConvertK6Options {
  /** The CSV file k6 wrote (`.gz` or gzip magic bytes: gunzipped). */
  csv: string;
  /** The run's summary.json (cartload's handleSummary) or k6-summary.json (k6's handleSummary data). */
  summary?: string;
  runId?: string;
  scenario?: string;
  target?: string;
  /** Extra tool versions (`cartload run` knows k6's). */
  tools?: Record<string, string>;
  interrupted?: boolean;
  /** Notes to add (which engine ran and why, ...). */
  notes?: string[];
}

interface Meta {
  runId?: string;
  scenario?: string;
  target?: string;
  options?: Record<string, unknown>;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  interrupted?: boolean;
  thresholds?: ThresholdRecord[];
  notes?: string[];
}

/** Notes of a handleSummary summary that the metric stream makes untrue: it has every status per step. */
const SUPERSEDED_NOTE = /^byStep statuses count /;

async function readMeta(file: string): Promise<Meta> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new K6CsvError(
      `--summary ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not readable JSON (${(err as Error).message})`}`,
    );
  }
  const o = data as Record<string, unknown>;
  if (o && typeof o === 'object' && 'metrics' in o && 'state' in o) {
    // k6's own handleSummary data: thresholds with their verdicts, and the exact test duration.
    const thresholds: ThresholdRecord[] = [];
    for (const [metric, m] of Object.entries(
      o.metrics as Record<string, { thresholds?: Record<string, { ok: boolean }> }>,
    )) {
      for (const [expression, t] of Object.entries(m.thresholds ?? {})) {
        // Always-true thresholds only keep sub-metrics for handleSummary: they judge nothing.
        if (['max>=0', 'rate!=-1', 'count>=0'].includes(expression)) continue;
        thresholds.push({ metric, expression, ok: t.ok });
      }
    }
    const state = o.state as { testRunDurationMs?: number };
    return {
      thresholds,
      ...(typeof state.testRunDurationMs === 'number' ? { durationMs: Math.round(state.testRunDurationMs) } : {}),
    };
  }
  const s = parseSummary(data, file);
  return {
    runId: s.runId,
    scenario: s.scenario,
    target: s.target,
    options: s.options,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    durationMs: s.durationMs,
    interrupted: s.interrupted,
    thresholds: s.thresholds ?? [],
    notes: (s.notes ?? []).filter((n) => !SUPERSEDED_NOTE.test(n)),
  };
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Feeds every record to `onRow`, in batches read synchronously (no promise per row). */
async function eachRow(file: string, onRow: (row: string[]) => void): Promise<void> {
  let gz: boolean;
  try {
    gz = file.endsWith('.gz') || (await isGzip(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new K6CsvError(
      `${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (err as Error).message}`,
    );
  }
  const input: Readable = gz
    ? pipeline(createReadStream(file), createGunzip(), () => {
        // A failure reaches the parser below as the stream's error.
      })
    : createReadStream(file);
  const parser = input.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true }));
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      input.destroy();
      parser.destroy();
      reject(err);
    };
    parser.on('readable', () => {
      try {
        for (let row = parser.read() as string[] | null; row !== null; row = parser.read() as string[] | null)
          onRow(row);
      } catch (err) {
        fail(err);
      }
    });
    parser.on('end', () => (failed ? undefined : resolve()));
    parser.on('error', (err) => fail(new K6CsvError(`${file}: not readable as CSV (${err.message})`)));
    input.on('error', (err) => fail(new K6CsvError(`${file}: cannot read (${err.message})`)));
  });
}

/** Reads k6's CSV (and the summary, when given) into the results format. */
export async function convertK6Csv(o: ConvertK6Options): Promise<Results> {
  const meta: Meta = o.summary ? await readMeta(o.summary) : {};
  const conv = new K6StreamConverter(o.csv);
  await eachRow(o.csv, (row) => conv.row(row));
  const f = conv.facts;
  if (f.rows === 0) throw new K6CsvError(`${o.csv}: no metric rows: k6 wrote nothing (did the run start?)`);
  const mostUsedScenario = [...f.scenarios].sort((a, b) => b[1] - a[1])[0]?.[0];
  // unix timestamps are whole seconds: a sample at second S was taken during [S, S + 1).
  const lastMs = f.lastMs + (f.timeFormat === 'unix' ? 1000 : 0);
  const endedAt = meta.endedAt ?? new Date(lastMs).toISOString();
  const durationMs = meta.durationMs ?? lastMs - f.firstMs;
  const startedAt = meta.startedAt ?? new Date(Date.parse(endedAt) - durationMs).toISOString();
  const git = gitRevision();
  const run: RunInfo = {
    runId: o.runId ?? meta.runId ?? basename(o.csv).replace(/(\.csv)?(\.gz)?$/, ''),
    engine: 'k6',
    kind: 'scenario',
    scenario: o.scenario ?? meta.scenario ?? mostUsedScenario ?? 'unknown',
    target: o.target ?? meta.target ?? ([...f.origins][0] || 'unknown'),
    options: redact(meta.options ?? {}),
    tools: toolVersions(o.tools),
    ...(git ? { git } : {}),
    startedAt,
    endedAt,
    durationMs,
    interrupted: o.interrupted ?? meta.interrupted ?? false,
  };
  const notes = [
    ...(o.notes ?? []),
    `converted from k6's metric stream (${basename(o.csv)}, ${f.rows} rows)`,
    ...(meta.notes ?? []),
  ];
  if (!o.summary)
    notes.push('no summary given: run ID, options and thresholds are unknown (convert with --summary to add them)');
  if (f.timeFormat === 'unix') notes.push('k6 wrote whole-second timestamps: start and end are known to the second');
  const dropped = conv.collector.counters.droppedIterations ?? 0;
  if (dropped > 0 && !notes.some((n) => n.includes('dropped')))
    notes.push(`k6 dropped ${dropped} iteration(s) (sessions) it had no free VU for: raise MAX_VUS`);
  return conv.collector.finish({ run, thresholds: meta.thresholds ?? [], notes, sessions: conv.sessions() });
}
