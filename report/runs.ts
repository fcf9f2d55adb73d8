// The library behind `cartload merge`, `cartload convert` and `cartload report`: run folders in,
// run folders (or a report) out. The pure parts are report/data/ (merge, summarize) and
// report/k6/stream.ts; this module reads and writes the files.
import { readdir, writeFile } from 'node:fs/promises';
import { makeDirs } from '../io/dirs.ts';
import { join, resolve } from 'node:path';
import type { RunSummary } from '../model/summary.ts';
import type { Results } from './data/format.ts';
import { mergeResults, type MergeOptions } from './data/merge.ts';
import { convertK6Csv, type ConvertK6Options } from './k6/convert.ts';
import { readRun, readRunResults, ResultsFileError } from './read.ts';
import { REPORT_FILE, renderReport } from './html/index.ts';
import { RunDirError, writeRunFolder, type RunFolderFiles } from './write.ts';

export interface WrittenRun {
  dir: string;
  results: Results;
  summary: RunSummary;
  files: RunFolderFiles;
  /** Every threshold held (a run without thresholds passes). */
  ok: boolean;
}

/** A new folder for a run: created, and refused when it already holds files (a run is never overwritten). */
async function freshDir(dir: string): Promise<string> {
  const abs = resolve(dir);
  await makeDirs(abs);
  const existing = await readdir(abs);
  if (existing.length > 0)
    throw new RunDirError(
      `${abs} already holds files (${existing.slice(0, 4).join(', ')}${existing.length > 4 ? ', …' : ''}); name another --out`,
    );
  return abs;
}

const passed = (r: Results): boolean => r.thresholds.every((t) => t.ok);

export interface MergeRunsOptions extends MergeOptions {
  /** The merged run's folder (default <resultsDir>/<run ID>). */
  out?: string;
  /** Default 'results'. */
  resultsDir?: string;
}

/**
 * Merges the runs of a split test (run folders or their results.json) into one new run folder:
 * counts and histograms added, percentiles recomputed, thresholds judged again.
 */
export async function mergeRunFolders(paths: readonly string[], o: MergeRunsOptions = {}): Promise<WrittenRun> {
  if (paths.length < 2) throw new ResultsFileError(`merge needs at least two runs (got ${paths.length})`);
  const parts: Results[] = [];
  for (const p of paths) parts.push(await readRunResults(p, 'merge'));
  const merged = mergeResults(parts, o);
  const dir = await freshDir(o.out ?? join(o.resultsDir ?? 'results', merged.run.runId));
  const { files, summary } = await writeRunFolder(dir, merged);
  return { dir, results: merged, summary, files, ok: passed(merged) };
}

export interface ConvertRunOptions extends ConvertK6Options {
  /** The run folder (default <resultsDir>/<run ID>). */
  out?: string;
  resultsDir?: string;
  /** Write into a folder that already holds files (`cartload run`: beside k6's own summary files). */
  intoExisting?: boolean;
}

/** Converts k6's `--out csv` file into a run folder. */
export async function convertK6Run(o: ConvertRunOptions): Promise<WrittenRun> {
  const results = await convertK6Csv(o);
  const target = o.out ?? join(o.resultsDir ?? 'results', results.run.runId);
  let dir: string;
  if (o.intoExisting) {
    dir = resolve(target);
    await makeDirs(dir);
  } else dir = await freshDir(target);
  const { files, summary } = await writeRunFolder(dir, results);
  return { dir, results, summary, files, ok: passed(results) };
}

/** (Re)writes report.html for a run (results format 2, or a summary.json alone); returns its path. */
export async function writeReportFor(path: string, out?: string): Promise<{ file: string; charts: boolean }> {
  const view = await readRun(path);
  const file = out ?? join(view.dir, REPORT_FILE);
  await writeFile(
    file,
    await renderReport(view.results ? { summary: view.summary, results: view.results } : { summary: view.summary }),
  );
  return { file, charts: view.results !== undefined };
}
