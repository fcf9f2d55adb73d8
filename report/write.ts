// Writes a run's folder, results/<run-id>/: summary.json (model/summary.ts, the one format every
// engine writes) and summary.txt (its text rendering). Other files an engine adds go beside them.
import { readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { redact, type RunSummary } from '../model/summary.ts';
import { renderSummaryText } from './text.ts';
import { CartloadError } from '../model/errors.ts';
import { describeErrno, makeDirs } from '../io/dirs.ts';

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
  if (existing.length > 0) throw new RunDirError(`${dir} already holds a run (${existing.join(', ')}); choose another --run-id`);
  return dir;
}

/** Writes summary.json and summary.txt; the options are redacted once more on the way out. */
export async function writeSummary(dir: string, summary: RunSummary): Promise<{ json: string; text: string }> {
  const safe: RunSummary = { ...summary, options: redact(summary.options) };
  const json = join(dir, 'summary.json');
  const text = join(dir, 'summary.txt');
  await writeFile(json, `${JSON.stringify(safe, null, 2)}\n`);
  await writeFile(text, renderSummaryText(safe));
  return { json, text };
}
