// Output files named by the user (--out, --json): a regular file (or a new path) is written to a
// temporary file beside it and renamed over it, so a reader never sees half a file and an
// interrupted write leaves the old one; anything else (a device such as /dev/null, a FIFO,
// /dev/stdout, a symbolic link) is written in place. Renaming over those would replace the device
// node or the link with a regular file: as root, `--out /dev/null` would have broken the machine's
// /dev/null.
import { access, constants, lstat, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { checkDirWritable, describeErrno, makeDirs, OutputPathError } from './dirs.ts';

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;

/** True when the path should be replaced atomically: it does not exist, or is a regular file (not a link to one). */
async function replaceable(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isFile();
  } catch (err) {
    // ENOTDIR: a level above is a file; creating the folders names it.
    if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return true;
    throw err;
  }
}

/**
 * Throws OutputPathError unless `path` can be written: an existing file or device this process may
 * write, or a new file in a folder that exists or can be created. Opens nothing (opening a FIFO
 * would wait for its reader).
 */
export async function checkOutputFile(path: string, label: string): Promise<void> {
  let s;
  try {
    s = await stat(path);
  } catch (err) {
    const code = errno(err);
    if (code !== 'ENOENT' && code !== 'ENOTDIR')
      throw new OutputPathError(`${label} ${path}: ${describeErrno(err)}`, err);
    await checkDirWritable(dirname(path), label, path);
    return;
  }
  if (s.isDirectory()) throw new OutputPathError(`${label} ${path}: is a folder; name a file`);
  try {
    await access(path, constants.W_OK);
  } catch (err) {
    throw new OutputPathError(`${label} ${path}: cannot write: ${describeErrno(err)}`, err);
  }
  if (s.isFile() && (await replaceable(path))) await checkDirWritable(dirname(path), label, path);
}

export interface OpenOutput {
  /** Where to write; end it with commit(), or give up with abort(). */
  stream: Writable;
  /** Waits for every byte to be written, then (for a replaced file) renames the temporary file over the target. */
  commit(): Promise<void>;
  /** Stops writing; a temporary file is removed and the target left as it was. */
  abort(): Promise<void>;
  /** Whether the target is replaced atomically (false: written in place). */
  atomic: boolean;
}

/** Opens an output file as described at the top; errors opening it are OutputPathError naming `label`. */
export async function openOutput(path: string, label: string): Promise<OpenOutput> {
  let atomic: boolean;
  try {
    atomic = await replaceable(path);
  } catch (err) {
    throw new OutputPathError(`${label} ${path}: ${describeErrno(err)}`, err);
  }
  const file = atomic ? `${path}.${process.pid}.tmp` : path;
  let handle;
  try {
    if (atomic) await makeDirs(dirname(path));
    handle = await open(file, 'w');
  } catch (err) {
    throw new OutputPathError(`${label} ${path}: cannot write: ${describeErrno(err)}`, err);
  }
  const stream = handle.createWriteStream();
  let done = false;
  return {
    stream,
    atomic,
    async commit() {
      if (done) return;
      done = true;
      stream.end();
      await finished(stream);
      if (atomic) await rename(file, path);
    },
    async abort() {
      if (done) return;
      done = true;
      stream.destroy();
      await finished(stream).catch(() => undefined);
      if (atomic) await rm(file, { force: true });
    },
  };
}

/** Writes a whole text to an output file as described at the top. */
export async function writeOutputText(path: string, text: string, label: string): Promise<void> {
  const out = await openOutput(path, label);
  try {
    await new Promise<void>((resolve, reject) => {
      out.stream.once('error', reject);
      out.stream.write(text, (err) => (err ? reject(err) : resolve()));
    });
    await out.commit();
  } catch (err) {
    await out.abort();
    if (err instanceof OutputPathError) throw err;
    throw new OutputPathError(`${label} ${path}: cannot write: ${describeErrno(err)}`, err);
  }
}
