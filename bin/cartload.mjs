#!/usr/bin/env node
// The package's bin, and the only code that ends the process. It runs the CLI compiled into
// dist-cli/ (bin/compile.mjs), recompiling first when a source file changed since, so a start
// costs Node, yargs and the command's own modules rather than compiling TypeScript each time.
// When compiling is impossible (a read-only install without esbuild), it falls back to running
// the TypeScript sources through tsx: slower to start, same behaviour.
import { compileCli, freshEntry } from './compile.mjs';

async function loadCli() {
  let entry = freshEntry();
  if (!entry) {
    try {
      entry = await compileCli();
    } catch {
      entry = undefined;
    }
  }
  if (entry) return import(entry);
  const { register } = await import('tsx/esm/api');
  register();
  return import('../cli/main.ts');
}

const args = process.argv.slice(2);
let cli;
try {
  cli = await loadCli();
} catch (err) {
  // The sources do not compile (an edit in progress): one line, and the compiler's message.
  process.stderr.write(
    `cartload: cannot load the CLI: ${String(err?.message ?? err)
      .split('\n')
      .slice(0, 3)
      .join(' ')}\n`,
  );
  process.exit(1);
}
const command = args.find((a) => !a.startsWith('-')) ?? '';

// Whatever escapes main() (an error in a callback, a rejected promise nobody awaited) is still
// one line and a trace file, never a stack trace on the terminal.
const crash = (err) => {
  process.exitCode = cli.reportError(err, { stderr: process.stderr }, command);
  process.exit();
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

process.exitCode = await cli.main(args);
// Done: a stream or timer left behind (standard input being read, a socket closing) must not keep
// the process alive after the result is printed.
setTimeout(() => process.exit(), 2_000).unref();
