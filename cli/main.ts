// The cartload CLI's entry point: the only module that reads process.argv or ends the process.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CartloadError, EXIT } from '../model/errors.ts';
import { UsageError } from './command.ts';
import { loadCommands } from './commands/index.ts';

async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  let cli = yargs(argv)
    .scriptName('cartload')
    .strict()
    .demandCommand(1, 'Name a command; see --help.')
    .recommendCommands()
    .env('CARTLOAD')
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
  for (const c of await loadCommands(argv)) {
    cli = cli.command(c.command as string | string[], c.describe, c.builder, async (args) => {
      exitCode = await c.run(args as never);
    });
  }
  try {
    await cli.parseAsync();
  } catch (err) {
    if (err instanceof CartloadError) {
      console.error(`cartload: ${err.message}\nRun 'cartload --help' for usage.`);
      return err.exitCode;
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return EXIT.error;
  }
  return exitCode;
}

process.exitCode = await main(hideBin(process.argv));
