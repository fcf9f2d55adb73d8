// Resumable replays: `--checkpoint FILE` keeps a write-ahead record of the steps sent, `--resume
// FILE` continues the replay and never sends a step twice.
//
// Every event the reader yields gets a number (its place in the recording as read, the same on
// every read of the same file). Before a step goes to the connection pool, a line `S <n>` with
// its session and step is written to the checkpoint (a synchronous write: it is in the operating
// system's hands before the request leaves, so it survives the process being killed); when the
// answer comes, `A <n> ok|fail`. On resume, a step with an `A` was done; a step with an `S` and
// no `A` was in flight when the run ended: the target may or may not have processed it, so it
// is listed as in doubt and skipped (or sent again with --resend-in-doubt). A session whose step
// failed stays ended, as in one run. Steps never started go out as usual. A clean stop (Ctrl-C)
// drains first, so it leaves nothing in doubt.
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { CartloadError } from '../model/errors.ts';
import type { ReplayEvent } from '../recordings/events.ts';

export class CheckpointError extends CartloadError {
  override name = 'CheckpointError';
}

export const checkpointExistsMessage = (path: string): string =>
  `--checkpoint ${path} exists: continue it with --resume ${path}, or name a new file`;
const missing = (path: string): string => `--resume ${path}: no such checkpoint (start with --checkpoint ${path})`;

/**
 * What is wrong with a checkpoint path before anything is read: a new one (--checkpoint) must not
 * exist, one to continue (--resume) must be a file. The CLI asks before it opens the recording.
 */
export function checkpointPathProblem(path: string, resume: boolean): string | undefined {
  let isFile: boolean | undefined;
  try {
    isFile = statSync(path).isFile();
  } catch {
    isFile = undefined;
  }
  if (!resume) return isFile === undefined ? undefined : checkpointExistsMessage(path);
  return isFile ? undefined : missing(path);
}

const FORMAT = 'cartload-checkpoint';

export interface CheckpointHeader {
  format: typeof FORMAT;
  version: 1;
  /** The recording, as an absolute path, and its size: a resume must read the same file. */
  file: string;
  size: number;
  /** Sessions are sent as <prefix><recorded ID>: a resume must use the same prefix. */
  sessionPrefix: string;
  createdAt: string;
}

export interface InDoubt {
  mark: number;
  session: string;
  step: string;
}

export interface CheckpointState {
  header: CheckpointHeader;
  /** Steps answered (ok or failed). */
  done: Set<number>;
  /** Steps sent and not answered when the run ended. */
  inDoubt: InDoubt[];
  /** Recorded sessions with a failed step: their later steps are not sent. */
  failedSessions: Set<string>;
}

/** Reads a checkpoint; a last line cut by a crash is ignored. */
export function readCheckpoint(path: string): CheckpointState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CheckpointError(missing(path));
  }
  const lines = text.split('\n');
  let header: CheckpointHeader;
  try {
    header = JSON.parse(lines[0] ?? '') as CheckpointHeader;
  } catch {
    throw new CheckpointError(`${path}:1: not a cartload checkpoint`);
  }
  if (header?.format !== FORMAT || header.version !== 1)
    throw new CheckpointError(`${path}:1: not a cartload checkpoint (version 1)`);
  const sent = new Map<number, InDoubt>();
  const done = new Set<number>();
  const failedSessions = new Set<string>();
  const recordedOf = (session: string): string =>
    session.startsWith(header.sessionPrefix) ? session.slice(header.sessionPrefix.length) : session;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    let rec: unknown[];
    try {
      rec = JSON.parse(line) as unknown[];
    } catch {
      if (i === lines.length - 1 || (i === lines.length - 2 && lines[i + 1] === '')) continue;
      throw new CheckpointError(`${path}:${i + 1}: unreadable line`);
    }
    const [kind, mark] = rec as [string, number];
    if (kind === 'S') sent.set(mark, { mark, session: rec[2] as string, step: rec[3] as string });
    else if (kind === 'A') {
      done.add(mark);
      if (rec[2] === 'fail') {
        const s = sent.get(mark);
        if (s) failedSessions.add(recordedOf(s.session));
      }
    }
  }
  const inDoubt = [...sent.values()].filter((s) => !done.has(s.mark));
  return { header, done, inDoubt, failedSessions };
}

export interface CheckpointWriter {
  sending(mark: number, sessionId: string, step: string): void;
  answered(mark: number, ok: boolean, cut: boolean): void;
  close(): void;
}

/** Opens (creates, or appends to on resume) a checkpoint; the header is written on creation. */
export function openCheckpoint(path: string, header: CheckpointHeader | undefined): CheckpointWriter {
  const fd = openSync(path, header ? 'wx' : 'a');
  const write = (line: string): void => void writeSync(fd, `${line}\n`);
  if (header) write(JSON.stringify(header));
  return {
    sending: (mark, sessionId, step) => write(JSON.stringify(['S', mark, sessionId, step])),
    // A request the stopping run cut is left in doubt: no line.
    answered: (mark, ok, cut) => {
      if (!cut) write(`["A",${mark},"${ok ? 'ok' : 'fail'}"]`);
    },
    close: () => closeSync(fd),
  };
}

export function newHeader(file: string, sessionPrefix: string): CheckpointHeader {
  const path = resolve(file);
  return {
    format: FORMAT,
    version: 1,
    file: path,
    size: statSync(path).size,
    sessionPrefix,
    createdAt: new Date().toISOString(),
  };
}

/** A resume reads the recording the checkpoint was made from. */
export function checkSameFile(state: CheckpointState, file: string): string | undefined {
  const path = resolve(file);
  if (path !== state.header.file) return `--resume: the checkpoint is of ${state.header.file}, not ${path}`;
  const size = statSync(path).size;
  if (size !== state.header.size)
    return `--resume: ${path} has changed since the checkpoint (${state.header.size} bytes then, ${size} now)`;
  return undefined;
}

/**
 * Numbers every event (`mark`) and, on resume, leaves out the steps the checkpoint has: those
 * done, those in doubt (unless resent), and the rest of a session that failed.
 */
export async function* markEvents(
  events: AsyncIterable<ReplayEvent>,
  resume?: { state: CheckpointState; resendInDoubt: boolean },
): AsyncGenerator<ReplayEvent> {
  const doubt = new Set(resume?.state.inDoubt.map((d) => d.mark));
  let mark = 0;
  for await (const ev of events) {
    const n = mark++;
    if (resume) {
      if (resume.state.done.has(n)) continue;
      if (doubt.has(n) && !resume.resendInDoubt) continue;
      if (resume.state.failedSessions.has(ev.sessionId)) continue;
    }
    (ev as ReplayEvent & { mark?: number }).mark = n;
    yield ev;
  }
}
