// handleSummary: writes the run's files and prints a short text summary. It replaces k6's own
// end-of-test summary, so stdout carries cartload's summary (with every threshold) instead.
// No remote jslib: JUnit and text rendering are the project's own, bundled in.
import { redact } from '../../model/summary.ts';
import { makeRunId, randomTail } from '../../model/run-id.ts';
import { renderJUnit } from '../../report/junit.ts';
import { renderSummaryText } from '../../report/text.ts';
import { publicConfig, type ScenarioConfig } from './config.ts';
import { junitChecks, realThresholds, toRunSummary, type K6SummaryData } from './k6-summary.ts';

export interface SummaryFilesOptions {
  scenario: string;
  config: ScenarioConfig;
  /** What a scenario adds (the capacity report): lines for stdout, notes for summary.json, files. */
  extraText?: (data: K6SummaryData) => SummaryExtra | undefined;
  now?: Date;
  random?: () => number;
}

export interface SummaryExtra {
  text: string;
  notes: string[];
  /** More files for the run, by name (written beside summary.json). */
  files?: Record<string, string>;
}

/** A run ID in the one format (model/run-id.ts: UTC start time + random), e.g. 20261125-192412-k3x9qa. */
export function makeK6RunId(start: Date, random: () => number): string {
  return makeRunId(start, randomTail(random));
}

/**
 * Where a run's files go. k6 writes handleSummary's files but cannot create a folder, so they go
 * only into folders that exist: RUN_DIR (made by whoever set it) under plain names, or else
 * RESULTS_DIR (`results/`, made by `cartload build`) as `<RUN_ID>-…`, or `<scenario>-…` without
 * RUN_ID (overwritten by the next run of that scenario).
 */
export function resultsPrefix(
  config: Pick<ScenarioConfig, 'resultsDir' | 'runDir' | 'runId'>,
  scenario: string,
): string {
  if (config.runDir !== undefined) return config.runDir.endsWith('/') ? config.runDir : `${config.runDir}/`;
  return `${config.resultsDir}/${config.runId ?? scenario}-`;
}

/** The files handleSummary returns (see resultsPrefix for where), and the short summary for stdout. */
export function summaryFiles(data: K6SummaryData, o: SummaryFilesOptions): Record<string, string> {
  const now = o.now ?? new Date();
  const start = new Date(now.getTime() - data.state.testRunDurationMs);
  const runId = o.config.runId ?? makeK6RunId(start, o.random ?? Math.random);
  const base = resultsPrefix(o.config, o.scenario);
  const extra = o.extraText?.(data);
  const summary = toRunSummary(data, {
    scenario: o.scenario,
    runId,
    target: o.config.baseUrl,
    options: redact(publicConfig(o.config)),
    endedAt: now,
    ...(extra ? { notes: extra.notes } : {}),
  });
  const text = renderSummaryText(summary);
  const junit = renderJUnit({
    name: `cartload ${o.scenario}`,
    checks: junitChecks(data),
    thresholds: realThresholds(data),
    durationMs: data.state.testRunDurationMs,
    timestamp: summary.startedAt,
  });
  const failed = (summary.thresholds ?? []).filter((t) => !t.ok).length;
  const verdict = failed > 0 ? `${failed} threshold(s) crossed: k6 exits 99` : 'all thresholds passed';
  const extraFiles: Record<string, string> = {};
  for (const [name, content] of Object.entries(extra?.files ?? {})) extraFiles[`${base}${name}`] = content;
  return {
    ...extraFiles,
    [`${base}k6-summary.json`]: JSON.stringify(data, null, 1),
    [`${base}junit.xml`]: junit,
    [`${base}summary.json`]: `${JSON.stringify(summary, null, 2)}\n`,
    [`${base}summary.txt`]: text + (extra ? extra.text : ''),
    stdout: `\n${text}${extra ? extra.text : ''}  ${verdict}; results in ${base}{${['summary.json', 'summary.txt', 'junit.xml', 'k6-summary.json', ...Object.keys(extra?.files ?? {})].join(',')}}\n\n`,
  };
}
