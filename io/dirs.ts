// Folders the commands create (results/<run-id>/, an output file's parent), and the check that
// one can be created, made before anything starts so a bad path fails as one line and nothing else.
//
// Node's own mkdir({ recursive: true }) is not used: on a path under /proc (and other file systems
// that answer ENOENT for a folder that cannot be created) it retries forever on a worker thread,
// spinning a core, and the process then ignores SIGINT and SIGTERM because the call never returns.
// Creating one level at a time is bounded by the path's depth.
import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CartloadError } from '../model/errors.ts';

/** A path named on the command line cannot be written: the message names the flag and the path. */
export class OutputPathError extends CartloadError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'E_OUTPUT', cause });
    this.name = 'OutputPathError';
  }
}

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;

/** A short, readable reason for a file-system error code. */
export function describeErrno(err: unknown): string {
  const code = errno(err);
  const notFolder = (err as { notFolder?: string } | null)?.notFolder;
  if (notFolder !== undefined) return `${notFolder} is a file, not a folder`;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'EROFS':
      return 'read-only file system (EROFS)';
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC)';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder (ENOTDIR)';
    case 'EISDIR':
      return 'is a folder (EISDIR)';
    case 'ENOENT':
      return 'the file system does not allow it (ENOENT)';
    case 'ENAMETOOLONG':
      return 'the name is too long (ENAMETOOLONG)';
    case 'ELOOP':
      return 'too many symbolic links (ELOOP)';
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}

/** The deepest existing ancestor of an absolute path (the path itself when it exists), and the missing levels below it, top first. */
async function existingAncestor(abs: string): Promise<{ at: string; isDir: boolean; missing: string[] }> {
  const missing: string[] = [];
  let at = abs;
  for (;;) {
    try {
      const s = await stat(at);
      return { at, isDir: s.isDirectory(), missing: missing.reverse() };
    } catch (err) {
      const parent = dirname(at);
      // ENOTDIR: a level above is a file; walking up finds it and reports it by name.
      const code = errno(err);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === at) throw err;
      missing.push(at);
      at = parent;
    }
  }
}

/** Creates the folder and its missing parents, one level at a time (see the note at the top). */
export async function makeDirs(dir: string): Promise<void> {
  const { at, isDir, missing } = await existingAncestor(resolve(dir));
  if (!isDir) throw Object.assign(new Error(`${at} is a file, not a folder`), { code: 'ENOTDIR', notFolder: at });
  for (const d of missing) {
    try {
      await mkdir(d);
    } catch (err) {
      if (errno(err) === 'EEXIST' && (await stat(d)).isDirectory()) continue;
      throw err;
    }
  }
}

/** makeDirs for code that must not yield (the engine creates the run folder as its first event is emitted). */
export function makeDirsSync(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    try {
      if (!statSync(at).isDirectory())
        throw Object.assign(new Error(`${at} is a file, not a folder`), { code: 'ENOTDIR', notFolder: at });
      break;
    } catch (err) {
      const parent = dirname(at);
      const code = errno(err);
      if (
        (code !== 'ENOENT' && code !== 'ENOTDIR') ||
        parent === at ||
        (err as { notFolder?: string }).notFolder !== undefined
      )
        throw err;
      missing.push(at);
      at = parent;
    }
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (err) {
      if (errno(err) === 'EEXIST' && statSync(d).isDirectory()) continue;
      throw err;
    }
  }
}

/**
 * Throws OutputPathError (naming `label` and `named`, the path as the user gave it) unless `dir` is a folder, or can be created as one, in which this process
 * may create entries. Proved by creating and removing an empty probe folder in the deepest existing
 * level: permission bits alone lie for root, for read-only mounts and for /proc.
 */
export async function checkDirWritable(dir: string, label: string, named: string = dir): Promise<void> {
  const abs = resolve(dir);
  let found: { at: string; isDir: boolean };
  try {
    found = await existingAncestor(abs);
  } catch (err) {
    throw new OutputPathError(`${label} ${named}: ${describeErrno(err)}`, err);
  }
  if (!found.isDir) {
    throw new OutputPathError(
      found.at === resolve(named)
        ? `${label} ${named}: is a file, not a folder`
        : `${label} ${named}: ${found.at} is a file, not a folder`,
    );
  }
  const probe = join(found.at, `.cartload-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(probe);
  } catch (err) {
    throw new OutputPathError(`${label} ${named}: cannot create a folder in ${found.at}: ${describeErrno(err)}`, err);
  }
  await rmdir(probe).catch(() => undefined);
}

/** Throws OutputPathError when results/<run-id>/ already holds a run (a run is never overwritten) or is a file. */
export async function checkRunFolderFree(resultsDir: string, runId: string): Promise<void> {
  const dir = resolve(resultsDir, runId);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    if (errno(err) === 'ENOENT') return;
    if (errno(err) === 'ENOTDIR')
      throw new OutputPathError(`--run-id ${runId}: ${dir} is a file, not a folder; choose another --run-id`, err);
    throw new OutputPathError(`--run-id ${runId}: ${dir}: ${describeErrno(err)}`, err);
  }
  if (entries.length > 0)
    throw new OutputPathError(`--run-id ${runId}: ${dir} already holds a run; choose another --run-id`);
}
