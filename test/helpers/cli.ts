// Runs the cartload CLI as a user does (the package bin, a child process), for the tests that
// check signals and the process end to end, or in this process (runMain) for everything else.
// Every child is bounded: one that hangs is killed rather than hanging the suite.
import { spawn, type ChildProcess } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const CARTLOAD_BIN = fileURLToPath(new URL('../../bin/cartload.mjs', import.meta.url));

export interface CliOptions {
  cwd?: string;
  /** Merged over process.env; undefined removes nothing, '' blanks a variable. */
  env?: Record<string, string | undefined>;
  /** Killed with SIGKILL after this long (default 60 s). */
  timeoutMs?: number;
}

export interface SpawnedCli {
  child: ChildProcess;
  /** The exit code once the child has closed (null when a signal ended it). */
  code: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: (signal: NodeJS.Signals) => void;
}

export function spawnCartload(args: readonly string[], options: CliOptions = {}): SpawnedCli {
  const child = spawn(process.execPath, [CARTLOAD_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => {
      clearTimeout(guard);
      resolve(c);
    });
  });
  return { child, code, stdout: () => out, stderr: () => err, kill: (s) => child.kill(s) };
}

/** Runs the CLI to its end. */
export async function runCartload(
  args: readonly string[],
  options: CliOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = spawnCartload(args, options);
  const code = await run.code;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** What runMain gives back: the exit code and everything the CLI printed. */
export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in this process (cli/main.ts's main, as the bin does, without ending the process):
 * for the tests of what the CLI checks and prints, at a fraction of a spawn's cost. `env` is the
 * whole environment the CLI sees; `stdin` its standard input (default: empty).
 */
export async function runMain(
  args: readonly string[],
  o: { env?: Record<string, string | undefined>; stdin?: Readable; interactive?: boolean; answer?: string } = {},
): Promise<MainResult & { asked: string[] }> {
  const { main } = await import('../../cli/main.ts');
  let stdout = '';
  let stderr = '';
  const asked: string[] = [];
  const sink = (append: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await main(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    stdin: o.stdin ?? Readable.from([]),
    env: o.env ?? {},
    interactive: o.interactive ?? false,
    ask: async (q) => {
      asked.push(q);
      return o.answer ?? '';
    },
  });
  return { code, stdout, stderr, asked };
}
