// `cartload run [scenario] --segments N`: one k6 test split over N instances by execution
// segments. Without --local it builds the bundle and prints the N commands (one per machine) and
// the merge; with --local it runs the N k6 processes here against one target and merges their
// run folders into the run's folder with one verdict.
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { PROJECT_ROOT } from '../bundle/index.ts';
import { startTarget, type RunningTarget } from '../emulator/server/index.ts';
import { makeRunId } from '../engine/run-id.ts';
import { CartloadError } from '../model/errors.ts';
import { editProfile } from '../generators/profile-edit.ts';
import { loadProfile } from '../generators/profile-file.ts';
import { parseConfig } from '../scenarios/lib/config.ts';
import { SCENARIO_DEFAULTS, type ScenarioDefaults } from '../scenarios/lib/defaults.ts';
import { applyRateScale } from '../scenarios/lib/rate-scale.ts';
import { locateK6 } from './k6-binary.ts';
import { mergeParts, type MergePartsResult } from './merge-parts.ts';
import { buildScenarioBundle, runWithK6, type RunScenarioOptions } from './run.ts';
import { scenarioEnv } from './scenario-env.ts';
import { SCENARIO_VARIABLES, segmentArgs, segmentCommands, splitSegments, type SegmentInstance } from './segments.ts';

export interface RunSegmentsOptions extends RunScenarioOptions {
  /** Instances (2..MAX_SEGMENTS). */
  segments: number;
  /** Run the instances here instead of printing their commands. */
  local?: boolean;
}

export interface SegmentRun {
  instance: SegmentInstance;
  dir: string;
  exitCode: number;
  interrupted: boolean;
}

export type RunSegmentsResult =
  | { mode: 'commands'; runId: string; bundle: string; commands: string[] }
  | {
      mode: 'local';
      runId: string;
      target: string;
      dir: string;
      instances: SegmentRun[];
      merged?: MergePartsResult;
      mergeError?: string;
      exitCode: number;
      interrupted: boolean;
    }
  | { mode: 'none'; outcome: 'bad-input' | 'unavailable'; message: string };

const fail = (message: string): RunSegmentsResult => ({ mode: 'none', outcome: 'bad-input', message });

/** Passes a child's output on line by line, each line marked with its instance. */
function lineWriter(
  mark: string,
  write: ((chunk: string) => void) | undefined,
): { push: (c: string) => void; end: () => void } {
  let rest = '';
  return {
    push(c) {
      if (!write) return;
      const lines = (rest + c).split(/\r?\n|\r/);
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') write(`${mark} ${line}\n`);
    },
    end() {
      if (write && rest.trim() !== '') write(`${mark} ${rest}\n`);
      rest = '';
    },
  };
}

export async function runSegments(o: RunSegmentsOptions): Promise<RunSegmentsResult> {
  const scenario = o.scenario ?? 'lifecycle';
  const rootDir = o.rootDir ?? PROJECT_ROOT;
  const resultsDir = o.resultsDir ?? 'results';
  const runId = o.runId ?? makeRunId();
  if (o.engine === 'node')
    return fail('--segments splits a k6 test over k6 instances; the Node engine does not take it (drop --engine node)');
  let instances: SegmentInstance[];
  try {
    instances = splitSegments(o.segments, runId);
  } catch (err) {
    return fail((err as Error).message);
  }
  const env = scenarioEnv(o, runId, resultsDir);
  let config;
  try {
    config = parseConfig(env, scenario === 'smoke' || scenario === 'capacity' ? scenario : undefined);
    // What every instance would refuse at init (a bad profile file or what-if edit, RATE_SCALE without a learned curve), refused once here.
    applyRateScale(
      config,
      editProfile(
        await loadProfile(
          config.profile ??
            (SCENARIO_DEFAULTS as Readonly<Record<string, ScenarioDefaults>>)[scenario]?.profile ??
            'default',
        ),
        config.profileSet ?? [],
      ),
    );
  } catch (err) {
    if (err instanceof CartloadError) return fail(err.message);
    throw err;
  }
  // Every instance must name its sessions alike: the run's prefix, not one per instance's RUN_ID.
  const sessionPrefix = config.sessionPrefix ?? `cartload-${runId}`;
  const outDir = o.distDir ?? join(rootDir, 'dist');

  if (!o.local) {
    // A profile file is copied beside the bundle: the commands name it as k6 opens it there.
    const { file: bundle, env: bundleEnv } = await buildScenarioBundle({
      scenario,
      rootDir,
      outDir,
      seed: config.seed,
      env,
    });
    const rel = relative(process.cwd(), bundle);
    const vars: Record<string, string> = {};
    for (const name of SCENARIO_VARIABLES) {
      const v = (bundleEnv[name] ?? '').trim();
      if (v !== '') vars[name] = v;
    }
    vars.SESSION_PREFIX = sessionPrefix;
    if (resultsDir !== 'results') vars.RESULTS_DIR = resultsDir;
    const commands = segmentCommands({
      instances,
      bundle: rel.startsWith('..') || isAbsolute(rel) ? bundle : rel,
      vars,
      resultsDir,
      runId,
    });
    return { mode: 'commands', runId, bundle, commands };
  }

  const k6 = locateK6(o.env);
  if (!k6.bin)
    return {
      mode: 'none',
      outcome: 'bad-input',
      message: `--segments --local runs k6 here: ${'reason' in k6 ? k6.reason : 'no k6'} (without --local, the commands are printed for other machines)`,
    };
  // The run's folder holds the merged results; the instances' folders go in parts/.
  const dir = resolve(resultsDir, runId);
  const partsDir = join(dir, 'parts');
  await mkdir(partsDir, { recursive: true });

  let local: RunningTarget | undefined;
  const named = (o.env.TALON_BASE_URL ?? '').trim();
  if (named === '') {
    local = await startTarget({ ...(config.apiKey ? { apiKey: config.apiKey } : {}) });
    o.say(
      `target: the local reference target at ${local.url} (started for this run; set TALON_BASE_URL to aim elsewhere)`,
    );
  } else {
    o.say(`target: ${config.baseUrl}`);
  }
  const target = local?.url ?? config.baseUrl;
  const apiKey = local?.apiKey ?? config.apiKey;
  try {
    const { file: bundle, env: bundleEnv } = await buildScenarioBundle({
      scenario,
      rootDir,
      outDir,
      seed: config.seed,
      env,
    });
    o.say(
      `engine: k6 (${k6.bin}), ${instances.length} instances over execution segments ${instances.map((s) => s.segment).join(', ')}; session IDs ${sessionPrefix}-${config.seed}-<n>`,
    );
    const runs = await Promise.all(
      instances.map(async (instance): Promise<SegmentRun> => {
        const mark = `[${instance.index}/${instances.length}]`;
        const out = lineWriter(mark, o.k6Stdout);
        const err = lineWriter(mark, o.k6Stderr);
        const res = await runWithK6(
          { ...o, k6Stdout: out.push, k6Stderr: err.push },
          {
            scenario,
            rootDir,
            outDir,
            resultsDir: partsDir,
            runId: instance.runId,
            env: {
              ...bundleEnv,
              TALON_BASE_URL: target,
              TALON_API_KEY: apiKey,
              SESSION_PREFIX: sessionPrefix,
              RUN_ID: instance.runId,
              RESULTS_DIR: partsDir,
            },
            bin: k6.bin as string,
            seed: config.seed,
            why: `instance ${instance.index} of ${instances.length}`,
            target,
            bundle,
            k6Args: segmentArgs(instance),
          },
        );
        out.end();
        err.end();
        return { instance, dir: res.dir, exitCode: res.exitCode, interrupted: res.interrupted };
      }),
    );
    const interrupted = runs.some((r) => r.interrupted);
    let merged: MergePartsResult | undefined;
    let mergeError: string | undefined;
    try {
      merged = await mergeParts({
        parts: runs.map((r) => r.dir),
        dir,
        runId,
        notes: [
          `k6 over ${instances.length} execution segments (${instances.map((s) => s.segment).join(', ')}), session prefix ${sessionPrefix}`,
        ],
      });
    } catch (e) {
      mergeError = (e as Error).message;
    }
    // k6's own failures (104 bad options, 107 script error, 108 aborted) win over the verdict.
    const broken = runs.find((r) => r.exitCode !== 0 && r.exitCode !== 99);
    const exitCode = interrupted ? 130 : broken ? broken.exitCode : mergeError ? 1 : merged?.ok ? 0 : 99;
    return {
      mode: 'local',
      runId,
      target,
      dir,
      instances: runs,
      ...(merged ? { merged } : {}),
      ...(mergeError ? { mergeError } : {}),
      exitCode,
      interrupted,
    };
  } finally {
    await local?.close();
  }
}
