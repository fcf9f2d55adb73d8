// The local reference target in a process of its own (`cartload target`), for runs that measure
// the target's limit: inside this process it would share the load generator's event loop, and its
// work would read as the generator's own lateness (a capacity probe past the target's ceiling was
// blamed on the generator). The API key reaches it through the environment, never the command line.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/cartload.mjs', import.meta.url));

export interface TargetProcess {
  url: string;
  apiKey: string;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and resolves when it has exited. */
  stop(): Promise<void>;
}

export class TargetProcessError extends Error {}

/** Starts `cartload target <args>` on a free loopback port; rejects with its own message if it exits first. */
export async function startTargetProcess(
  args: readonly string[],
  o: { apiKey?: string; timeoutMs?: number } = {},
): Promise<TargetProcess> {
  const apiKey = o.apiKey ?? `local-${Math.random().toString(36).slice(2, 10)}`;
  const child = spawn(process.execPath, [BIN, 'target', '--port', '0', '--host', '127.0.0.1', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TALON_API_KEY: apiKey, TALON_BASE_URL: '' },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const timeoutMs = o.timeoutMs ?? 60_000;
  const url = await new Promise<string>((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new TargetProcessError(`the local target did not listen within ${timeoutMs} ms: ${stderr.trim()}`));
    }, timeoutMs);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(guard);
      resolve(line.trim());
    });
    child.once('close', () => {
      clearTimeout(guard);
      // Its own error line, less the command's prefix: "cartload target: --workers 0: ...".
      reject(new TargetProcessError(stderr.trim().replace(/^cartload target: /, '') || 'the local target exited'));
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
