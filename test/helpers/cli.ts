// Runs the cartload CLI as a user does (the package bin, a child process), for the tests that
// check exit codes, stdout/stderr and signals end to end. Every child is bounded: one that hangs
// is killed rather than hanging the suite.
import { spawn, type ChildProcess } from 'node:child_process';
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
export async function runCartload(args: readonly string[], options: CliOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = spawnCartload(args, options);
  const code = await run.code;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
