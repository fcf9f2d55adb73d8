// The harness behind a k6-like command line, for tests of code that runs k6 as a program (several
// instances over execution segments): `k6-cli.ts run [--execution-segment S]
// [--execution-segment-sequence Q] [-e K=V]... [--no-color] script.js`. Like k6 it reads the
// system environment into __ENV, writes the files handleSummary returns (relative to the working
// directory), prints its stdout entry, and exits 0, 99, 104, 107 or 108. Unlike k6 it does not
// pace: an arrival-rate scenario runs rate × duration iterations (the count k6 starts when it has
// VUs enough), one after another, against the harness's in-process target (nothing goes over the
// network), and writes no metric stream (--out is accepted and ignored). Each instance also
// writes sessions.harness.json into its run folder (RUN_DIR): the session IDs
// it sent, so that tests can check how the instances split the work.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { durationMs } from '../../model/duration.ts';
import { K6_EXIT, K6Test } from './index.ts';

class Refused extends Error {
  constructor(
    message: string,
    readonly code: number = K6_EXIT.invalidConfig,
  ) {
    super(message);
  }
}

function fail(message: string, code?: number): never {
  throw new Refused(message, code);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args[0] !== 'run') fail(`only "run" is supported, got ${args[0] ?? 'nothing'}`, 1);
  const env: Record<string, string | undefined> = { ...process.env };
  let segment = '';
  let sequence = '';
  let script: string | undefined;
  for (let i = 1; i < args.length; i++) {
    const a = args[i] as string;
    const value = (): string => args[++i] ?? fail(`${a} needs a value`, 1);
    if (a === '--execution-segment') segment = value();
    else if (a === '--execution-segment-sequence') sequence = value();
    else if (a === '-e' || a === '--env') {
      const kv = value();
      const eq = kv.indexOf('=');
      if (eq < 1) fail(`-e ${kv}: expected KEY=VALUE`, 1);
      env[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a === '--no-color' || a === '-q' || a === '--quiet') continue;
    // The harness has no metric stream to write.
    else if (a === '--out' || a === '-o') value();
    else if (a.startsWith('--out=')) continue;
    else if (a.startsWith('-')) fail(`unsupported flag ${a}`, 1);
    else script = a;
  }
  if (!script) fail('no script given', 1);

  const baseUrl = env.TALON_BASE_URL ?? 'http://127.0.0.1:3000';
  const test = new K6Test({
    bundle: resolve(script),
    env,
    baseUrl,
    apiKey: env.TALON_API_KEY ?? '',
    executionSegment: segment,
    executionSegmentSequence: sequence,
    record: { requests: true, samples: false },
  });
  try {
    await test.prepare();
  } catch (err) {
    fail((err as Error).message);
  }
  const sc =
    (test.state.options.scenarios as Record<string, Record<string, unknown>> | undefined)?.[test.state.scenario.name] ??
    {};
  let total: number;
  switch (test.state.scenario.executor) {
    case 'constant-arrival-rate':
      total = Math.floor((Number(sc.rate) * durationMs(sc.duration)) / durationMs(sc.timeUnit ?? '1s'));
      break;
    case 'shared-iterations':
      total = Number(sc.iterations ?? 1);
      break;
    case 'per-vu-iterations':
      total = Number(sc.iterations ?? 1) * Number(sc.vus ?? 1);
      break;
    default:
      fail(`the harness runs counted executors only, not ${test.state.scenario.executor}`, 1);
  }
  const mine = test.segment.scale(total);
  test.addVu();
  await test.setup();
  const { timedOut } = await test.iterate(mine, 120_000);
  const teardownError = await test.teardown();
  const result = await test.finish({ timedOut, teardownError });
  for (const [name, content] of Object.entries(result.summary)) {
    if (name === 'stdout') process.stdout.write(content);
    else if (name === 'stderr') process.stderr.write(content);
    else {
      mkdirSync(dirname(resolve(name)), { recursive: true });
      writeFileSync(resolve(name), content);
    }
  }
  const sent = [
    ...new Set(
      result.requests.filter((r) => r.phase === 'iteration').map((r) => decodeURIComponent(r.path.split('/')[3] ?? '')),
    ),
  ];
  const runDir = env.RUN_DIR ?? (env.RUN_ID && env.RESULTS_DIR ? join(env.RESULTS_DIR, env.RUN_ID) : undefined);
  if (runDir) writeFileSync(join(resolve(runDir), 'sessions.harness.json'), JSON.stringify(sent));
  return result.exitCode;
}

try {
  process.exitCode = await main();
} catch (err) {
  if (!(err instanceof Refused)) throw err;
  process.stderr.write(`k6 harness: ${err.message}\n`);
  process.exitCode = err.code;
}
