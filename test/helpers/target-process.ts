// `cartload target` in a process of its own, as a user runs it: a load generator in the test's
// process then competes with the target for CPU only through the scheduler, not on one event loop.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CARTLOAD_BIN } from './cli.ts';

export interface TargetProcess {
  url: string;
  apiKey: string;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and resolves when it has exited. */
  stop(): Promise<void>;
}

/** Starts `cartload target <args>` on a free loopback port; rejects if it has not listened within `timeoutMs`. */
export async function startTargetProcess(
  args: readonly string[],
  o: { apiKey?: string; timeoutMs?: number } = {},
): Promise<TargetProcess> {
  const apiKey = o.apiKey ?? 'target-process-key';
  const child = spawn(process.execPath, [CARTLOAD_BIN, 'target', '--port', '0', '--api-key', apiKey, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cartload target did not listen within ${o.timeoutMs ?? 60_000} ms: ${stderr}`));
    }, o.timeoutMs ?? 60_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(guard);
      resolve(line.trim());
    });
    child.once('close', (code) => {
      clearTimeout(guard);
      reject(new Error(`cartload target exited (${code}) before listening: ${stderr}`));
    });
  });
  return {
    url,
    apiKey,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(kill);
    },
  };
}
