// What produced a run, for results.json: cartload's and Node's versions, and the git revision of
// the folder the run started in (a CI checkout: the commit under test). Asked once per process;
// git is given two seconds and its absence is no error.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let cartloadVersion: string | undefined;

export function toolVersions(extra: Record<string, string> = {}): Record<string, string> {
  if (cartloadVersion === undefined) {
    try {
      cartloadVersion =
        (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string })
          .version ?? 'unknown';
    } catch {
      cartloadVersion = 'unknown';
    }
  }
  return { cartload: cartloadVersion, node: process.version, ...extra };
}

const gitCache = new Map<string, { revision: string; dirty?: boolean } | undefined>();

function git(args: string[], cwd: string): string | undefined {
  const r = spawnSync('git', args, { cwd, timeout: 2000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 && typeof r.stdout === 'string' ? r.stdout : undefined;
}

/** The checkout's HEAD and whether tracked files changed; GITHUB_SHA when git cannot say; undefined outside a checkout. */
export function gitRevision(
  cwd: string = process.cwd(),
  env: Record<string, string | undefined> = process.env,
): { revision: string; dirty?: boolean } | undefined {
  if (gitCache.has(cwd)) return gitCache.get(cwd);
  let out: { revision: string; dirty?: boolean } | undefined;
  const head = git(['rev-parse', 'HEAD'], cwd)?.trim();
  if (head && /^[0-9a-f]{40,64}$/.test(head)) {
    const status = git(['status', '--porcelain', '--untracked-files=no'], cwd);
    out = status === undefined ? { revision: head } : { revision: head, dirty: status.trim() !== '' };
  } else if (env.GITHUB_SHA && /^[0-9a-f]{40,64}$/.test(env.GITHUB_SHA)) {
    out = { revision: env.GITHUB_SHA };
  }
  gitCache.set(cwd, out);
  return out;
}
