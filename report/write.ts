// Writes a run's folder, results/<run-id>/: results.json (the results format, report/data/),
// summary.json (the figures, derived from it), summary.txt (their text) and report.html (the
// page with charts). Other files an engine adds go beside them.
import { readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { redact, type RunSummary } from '../model/summary.ts';
import { renderSummaryText } from './text.ts';
import { CartloadError } from '../model/errors.ts';
import { describeErrno, makeDirs } from '../io/dirs.ts';
import { RESULTS_FILE, type Results } from './data/format.ts';
import { summarize } from './data/summarize.ts';
import { REPORT_FILE, renderReport } from './html/index.ts';

export class RunDirError extends CartloadError {
  override name = 'RunDirError';
}

/** Creates results/<run-id>/ and returns its path; an existing, non-empty folder is an error (never overwrite a run). */
export async function prepareRunDir(resultsDir: string, runId: string): Promise<string> {
  const dir = resolve(resultsDir, runId);
  try {
    await makeDirs(dir);
  } catch (err) {
    throw new RunDirError(`--results-dir ${resultsDir}: cannot create ${dir}: ${describeErrno(err)}`, { cause: err });
  }
  const existing = await readdir(dir);
  if (existing.length > 0)
    throw new RunDirError(`${dir} already holds a run (${existing.join(', ')}); choose another --run-id`);
  return dir;
}

/** Writes summary.json and summary.txt; the options are redacted once more on the way out. */
export async function writeSummary(
  dir: string,
  summary: RunSummary,
  extraText = '',
): Promise<{ json: string; text: string }> {
  const safe: RunSummary = { ...summary, options: redact(summary.options) };
  const json = join(dir, 'summary.json');
  const text = join(dir, 'summary.txt');
  await writeFile(json, `${JSON.stringify(safe, null, 2)}\n`);
  await writeFile(text, renderSummaryText(safe) + extraText);
  return { json, text };
}

export interface RunFolderFiles {
  results: string;
  summary: string;
  text: string;
  report: string;
}

/**
 * Writes results.json, summary.json, summary.txt and report.html into `dir` (which exists).
 * `extraText` is appended to summary.txt (e.g. a capacity table). Returns the summary written.
 */
export async function writeRunFolder(
  dir: string,
  results: Results,
  extraText = '',
): Promise<{ files: RunFolderFiles; summary: RunSummary }> {
  const safe: Results = { ...results, run: { ...results.run, options: redact(results.run.options) } };
  const file = join(dir, RESULTS_FILE);
  // One line: results.json is read by programs (and is mostly histogram buckets); summary.json is the readable view.
  await writeFile(file, `${JSON.stringify(safe)}\n`);
  const summary = summarize(safe);
  const { json, text } = await writeSummary(dir, summary, extraText);
  const report = join(dir, REPORT_FILE);
  await writeFile(report, await renderReport({ summary, results: safe }));
  return { files: { results: file, summary: json, text, report }, summary };
}
