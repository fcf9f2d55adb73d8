// Reading a run back: a run folder, its results.json or its summary.json. A folder with
// results.json (results format 2) gives everything; a folder with summary.json alone (results
// format 1, or a plain `k6 run`'s handleSummary output) gives the figures, and commands that need
// the histograms (merge, compare) say which version they need. A k6 run folder that kept k6's
// metric stream but was never converted (a k6-operator runner's) is converted as it is read.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { RunSummary } from '../model/summary.ts';
import { RESULTS_FILE, RESULTS_VERSION, type Results } from './data/format.ts';
import { parseResults, parseSummary, ResultsFileError } from './data/parse.ts';
import { summarize } from './data/summarize.ts';
import { K6_METRICS_FILE } from './k6/metrics-file.ts';

export { ResultsFileError } from './data/parse.ts';

export interface RunView {
  /** The run folder. */
  dir: string;
  /** Present when the folder holds results.json. */
  results?: Results;
  /** From results.json when present, else summary.json (upgraded to schemaVersion 2). */
  summary: RunSummary;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ResultsFileError(
      `${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ResultsFileError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

const exists = async (file: string): Promise<boolean> =>
  stat(file).then(
    (s) => s.isFile(),
    () => false,
  );

/** Reads a run folder, a results.json or a summary.json. */
export async function readRun(path: string): Promise<RunView> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new ResultsFileError(`${path}: no such run folder or file`);
  }
  if (isDir) {
    const results = join(path, RESULTS_FILE);
    if (await exists(results)) {
      const r = parseResults(await readJson(results), results);
      return { dir: path, results: r, summary: summarize(r) };
    }
    const summary = join(path, 'summary.json');
    for (const name of [K6_METRICS_FILE, 'k6-metrics.csv']) {
      const csv = join(path, name);
      if (!(await exists(csv))) continue;
      // Loaded when needed: the CSV parser is no part of reading a converted run.
      const { convertK6Csv } = await import('./k6/convert.ts');
      const r = await convertK6Csv({
        csv,
        // Without its summary the run is named after its folder (a runner's pod), not the stream's file.
        ...((await exists(summary)) ? { summary } : { runId: basename(resolve(path)) }),
      });
      return { dir: path, results: r, summary: summarize(r) };
    }
    if (await exists(summary)) return { dir: path, summary: parseSummary(await readJson(summary), summary) };
    throw new ResultsFileError(`${path}: no ${RESULTS_FILE} or summary.json in this folder: not a cartload run folder`);
  }
  const data = await readJson(path);
  if (data !== null && typeof data === 'object' && 'format' in data) {
    const r = parseResults(data, path);
    return { dir: dirname(path), results: r, summary: summarize(r) };
  }
  return { dir: dirname(path), summary: parseSummary(data, path) };
}

/** The run's results.json, or an error naming the version `purpose` needs. */
export async function readRunResults(path: string, purpose: string): Promise<Results> {
  const view = await readRun(path);
  if (view.results) return view.results;
  const what = basename(path) === 'summary.json' ? path : `${path} holds summary.json only`;
  throw new ResultsFileError(
    `${what}: ${purpose} needs results.json (results format ${RESULTS_VERSION}, with latency histograms), which cartload writes beside every summary; ` +
      `this run has the figures only (results format 1, or a plain k6 run: convert its --out csv file with cartload convert)`,
  );
}
