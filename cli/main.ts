// The cartload CLI: main(argv, io) parses the command line, runs one command and returns its exit
// code. It is the one place that maps errors to exit codes and messages: a CartloadError (the base
// of every error meant for a user, model/errors.ts) is printed as one line with its exit code;
// anything else is a bug or a failing environment, printed as one line that says where the full
// trace was written. Only the bin (bin/cartload.mjs) ends the process; tests call main() directly.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs, { type Arguments, type Argv, type MiddlewareFunction } from 'yargs';
import pkg from '../package.json' with { type: 'json' };
import { CartloadError, EXIT } from '../model/errors.ts';
import { UsageError, type CartloadCommand } from './command.ts';
import { commands } from './commands/index.ts';
import { lintFlags, protectDash } from './flags.ts';
import { contextOf, processIo, type CliIo } from './io.ts';

export const VERSION: string = pkg.version;

/** One line, printable, of bounded length: a message may quote a binary file's first bytes. */
export function oneLine(text: string, max = 800): string {
  const flat = text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const names = (c: CartloadCommand<never>): string =>
  (Array.isArray(c.command) ? (c.command[0] as string) : (c.command as string)).split(' ')[0] as string;

/** The command the user named, for messages ('' when none). */
function commandOf(argv: readonly string[]): string {
  const known = new Set(commands.map(names));
  return argv.find((a) => known.has(a)) ?? '';
}

/**
 * Writes an unexpected error's full trace to a file in the OS temp folder and returns its path
 * (undefined when even that fails). The command line is left out: it may hold an API key.
 */
export function writeCrashReport(err: unknown, command: string): string | undefined {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(tmpdir(), `cartload-crash-${stamp}-${process.pid}.txt`);
  const trace: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    trace.push(e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e));
  }
  try {
    writeFileSync(
      file,
      `cartload ${VERSION} (node ${process.version}, ${process.platform}-${process.arch})\ncommand: ${command || '(none)'}\n\n${trace.join('\n\ncaused by: ')}\n`,
      { mode: 0o600 },
    );
    return file;
  } catch {
    return undefined;
  }
}

/** Prints an error as one line and returns the exit code. */
export function reportError(err: unknown, io: Pick<CliIo, 'stderr'>, command: string): number {
  const who = command ? `cartload ${command}` : 'cartload';
  if (err instanceof CartloadError) {
    const message = oneLine(err.message.replace(/^cartload:\s*/, ''));
    const hint = err instanceof UsageError && err.fromParser ? ` (see ${who} --help)` : '';
    io.stderr.write(`${who}: ${message}${hint}\n`);
    return err.exitCode;
  }
  const file = writeCrashReport(err, command);
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  io.stderr.write(
    `${who}: unexpected error (${oneLine(what, 300)}); ${file ? `the full trace is in ${file}` : 'no trace file could be written'}\n`,
  );
  return EXIT.error;
}

/** yargs' messages in the CLI's words: the flag first, then what to do. */
export function parserMessage(msg: string, argv: readonly string[]): string {
  const command = commands.find((c) => names(c) === commandOf(argv));
  let m: RegExpExecArray | null;
  if ((m = /^Invalid values:\s*Argument: (\S+), Given: (.*), Choices: (.*)$/s.exec(msg))) {
    return `--${m[1]} ${(m[2] as string).replace(/^"|"$/g, '')}: use one of ${(m[3] as string).replace(/"/g, '')}`;
  }
  if ((m = /^Missing required arguments?: (.*)$/.exec(msg)))
    return `${(m[1] as string)
      .split(', ')
      .map((k) => `--${k}`)
      .join(', ')} is required`;
  if (/^Not enough non-option arguments/.test(msg) && command) {
    return `missing ${String(command.command)
      .split(' ')
      .filter((w) => w.startsWith('<'))
      .join(' ')}: cartload ${String(command.command)}`;
  }
  if ((m = /^Did you mean (.*)\?$/.exec(msg)) && !command)
    return `unknown command ${argv.find((a) => !a.startsWith('-')) ?? ''}: did you mean ${m[1]}?`;
  if ((m = /^Unknown arguments?: (.*)$/.exec(msg))) {
    const flag = (a: string): string =>
      argv.some((t) => t === `--${a}` || t.startsWith(`--${a}=`)) ? `--${a}` : argv.includes(`-${a}`) ? `-${a}` : a;
    const unknown = (m[1] as string).split(', ').map(flag);
    return `unknown ${command ? 'option or argument' : 'command'}: ${unknown.join(', ')}`;
  }
  return msg.charAt(0).toLowerCase() + msg.slice(1);
}

function parser(tokens: string[], io: CliIo, onExit: (code: number) => void): Argv {
  const ctx = contextOf(io);
  let cli = yargs(tokens)
    .scriptName('cartload')
    .version(VERSION)
    .strict()
    .exitProcess(false)
    .demandCommand(1, 'name a command: cartload --help lists them')
    .recommendCommands()
    .wrap(Math.min(110, (io.stdout as { columns?: number }).columns ?? 110))
    // Before yargs validates: the raw command line and the CARTLOAD_* variables (cli/flags.ts).
    // @types/yargs declares middleware with one parameter; yargs passes the parser as the second.
    .middleware(
      ((argv: Arguments, y: Argv) => lintFlags(tokens, argv, y, io.env)) as unknown as MiddlewareFunction,
      true,
    )
    .fail((msg, err) => {
      throw err ?? UsageError.fromParser(parserMessage(msg, tokens));
    });
  // yargs renders a command's whole help text as soon as its handler starts, in case the handler
  // fails later and help is to be shown (its usage.cacheHelpMessage). cartload reports its own
  // errors and never shows help on a failure, and that render was most of the parse: about 30 of
  // `replay`'s 40 ms per call. yargs has no option for it, so the internal method goes, if present;
  // --help and getHelp() render the text themselves when nothing is cached.
  type Internals = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = (cli as unknown as Internals).getInternalMethods?.().getUsageInstance?.();
  if (usage?.cacheHelpMessage) usage.cacheHelpMessage = () => undefined;
  for (const c of commands) {
    cli = cli.command(c.command as string | string[], c.describe, c.builder, async (args) => {
      onExit(await c.run(args as never, ctx));
    });
  }
  return cli;
}

/** Runs the CLI on `argv` (the arguments after the program's name) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const command = commandOf(argv);
  let exitCode: number = EXIT.ok;
  try {
    const tokens = protectDash(argv);
    let output = '';
    let failure: unknown;
    // With a callback, yargs hands over --help and --version text instead of printing it.
    await parser(tokens, io, (code) => (exitCode = code)).parseAsync(tokens, {}, (err, _argv, out) => {
      if (err) failure = err;
      output = out;
    });
    if (failure !== undefined) throw failure;
    if (output) io.stdout.write(`${output}\n`);
    return exitCode;
  } catch (err) {
    return reportError(err, io, command);
  }
}
