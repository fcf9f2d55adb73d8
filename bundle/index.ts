// `cartload build`: bundles every k6 entry point scenarios/<name>.ts into dist/<name>.js (ESM,
// k6 and k6/* external, nothing from Node or faker), checks what was emitted, and writes the
// seeded data pools beside the bundles, where the scenarios open them with SharedArray.
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildFailure, type Metafile } from 'esbuild';
import { checkBundle } from './check.ts';
import { BuildError } from './errors.ts';
import { k6Guard } from './guard.ts';
import { lazyModules } from './lazy.ts';
import { writeBundlePools, type PoolsReport } from './pools.ts';
import { writeBundleProfile, type ProfileReport } from './profile.ts';

export { BuildError };

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * What k6's JavaScript runtime (Sobek) runs without help: ES2020 syntax is safe; newer syntax
 * (class fields, `??=`) is lowered by esbuild.
 */
export const K6_TARGET = 'es2020';

export interface BuildOptions {
  /** Where the bundles go; relative paths are taken from rootDir. Default `dist`. */
  outDir?: string;
  /** Entry files to bundle; default every scenarios/*.ts under rootDir. */
  entries?: string[];
  /** Folder that relative paths and the paths in messages start from; default the project. */
  rootDir?: string;
  /** Seed for the generated pools (default 1). */
  seed?: number;
  /** A pools file to ship instead of generated pools (validated by the generators' readPools). */
  pools?: string;
  /** False to write no pools (bundles only). */
  writePools?: boolean;
  /** A profile file to ship as dist/profile.json (validated; the scenarios read it with PROFILE=./profile.json). */
  profile?: string;
  /**
   * A folder to create for the runs' results (the CLI: `results/` where it runs): the scenarios'
   * handleSummary writes there and k6 cannot create folders. Relative to rootDir; default none.
   */
  resultsDir?: string;
}

export interface BundleInfo {
  name: string;
  file: string;
  bytes: number;
  sourceMap: string;
}

export interface BuildReport {
  outDir: string;
  /** The results folder the build made sure exists, when it did. */
  resultsDir?: string;
  bundles: BundleInfo[];
  pools?: PoolsReport;
  profile?: ProfileReport;
}

export async function scenarioEntries(rootDir: string = PROJECT_ROOT): Promise<string[]> {
  const dir = join(rootDir, 'scenarios');
  const names = await readdir(dir);
  return names
    .filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts'))
    .sort()
    .map((n) => join(dir, n));
}

export async function buildScenarios(options: BuildOptions = {}): Promise<BuildReport> {
  const rootDir = resolve(options.rootDir ?? PROJECT_ROOT);
  const outDir = resolve(rootDir, options.outDir ?? 'dist');
  const entries = (options.entries ?? (await scenarioEntries(rootDir))).map((e) => resolve(rootDir, e));
  if (entries.length === 0) throw new BuildError([`no entry points: ${join(rootDir, 'scenarios')} has no *.ts file`]);

  let metafile: Metafile;
  try {
    metafile = await bundle(entries, outDir, rootDir);
  } catch (err) {
    // esbuild writes nothing when it fails: remove what an earlier build left, or `k6 run` would
    // quietly run yesterday's bundle.
    const stale = entries.map((e) => join(outDir, `${basename(e).replace(/\.[cm]?[jt]s$/, '')}.js`));
    await Promise.all(stale.flatMap((f) => [rm(f, { force: true }), rm(`${f}.map`, { force: true })]));
    throw err;
  }
  const problems: string[] = [];
  const bundles: BundleInfo[] = [];
  for (const [outPath, output] of Object.entries(metafile.outputs)) {
    if (!outPath.endsWith('.js')) continue;
    const file = resolve(rootDir, outPath);
    const code = await readFile(file, 'utf8');
    for (const p of checkBundle(code, output)) problems.push(`${basename(file)} ${p}`);
    bundles.push({ name: basename(file, '.js'), file, bytes: output.bytes, sourceMap: `${file}.map` });
  }
  if (problems.length > 0) {
    // A bundle that fails its checks must not be left where `k6 run dist/x.js` would pick it up.
    await Promise.all(bundles.flatMap((b) => [rm(b.file, { force: true }), rm(b.sourceMap, { force: true })]));
    throw new BuildError(problems);
  }
  bundles.sort((a, b) => a.name.localeCompare(b.name));

  const report: BuildReport = { outDir, bundles };
  if (options.resultsDir !== undefined) {
    report.resultsDir = resolve(rootDir, options.resultsDir);
    await mkdir(report.resultsDir, { recursive: true });
  }
  if (options.writePools !== false) {
    report.pools = await writeBundlePools({
      outDir,
      seed: options.seed ?? 1,
      ...(options.pools ? { from: resolve(options.pools) } : {}),
    });
  }
  if (options.profile !== undefined) report.profile = await writeBundleProfile({ outDir, from: options.profile });
  return report;
}

async function bundle(entries: string[], outDir: string, rootDir: string): Promise<Metafile> {
  try {
    const result = await build({
      entryPoints: entries,
      outdir: outDir,
      absWorkingDir: rootDir,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      // npm packages that only declare `main` still resolve on the neutral platform.
      mainFields: ['module', 'main'],
      target: K6_TARGET,
      external: ['k6', 'k6/*'],
      define: { global: 'globalThis' },
      // A linked map (dist/x.js.map): k6 follows the sourceMappingURL comment and reports
      // TypeScript file and line in stack traces, while the bundle each VU compiles stays small.
      sourcemap: 'linked',
      sourcesContent: false,
      metafile: true,
      write: true,
      logLevel: 'silent',
      legalComments: 'none',
      charset: 'utf8',
      plugins: [lazyModules({ target: K6_TARGET }), k6Guard({ rootDir })],
    });
    return result.metafile;
  } catch (err) {
    if (isBuildFailure(err)) {
      throw new BuildError(
        err.errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)),
      );
    }
    throw err;
  }
}

function isBuildFailure(err: unknown): err is BuildFailure {
  return err instanceof Error && Array.isArray((err as Partial<BuildFailure>).errors);
}

/** Sizes for the build output, in the units people read. */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(2)} MB`
    : bytes >= 1024
      ? `${(bytes / 1024).toFixed(1)} kB`
      : `${bytes} B`;
}
