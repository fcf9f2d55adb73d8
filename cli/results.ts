// How `run` and `replay` end: the summary on stdout, where it was written on stderr, and the exit
// code for the engine's outcome.
import type { EngineResult } from '../engine/index.ts';
import { EXIT } from '../model/errors.ts';
import type { CommandContext } from './io.ts';

/** The exit code for an engine's outcome. */
export function exitCodeFor(outcome: EngineResult['outcome']): number {
  switch (outcome) {
    case 'ok':
      return EXIT.ok;
    case 'thresholds':
      return EXIT.thresholdsCrossed;
    case 'interrupted':
      return EXIT.interrupted;
    case 'bad-input':
      return EXIT.badInput;
    case 'unavailable':
      return EXIT.targetUnavailable;
  }
}

/** Prints a finished engine run and returns its exit code. */
export async function reportResult(command: string, res: EngineResult, ctx: CommandContext): Promise<number> {
  if (res.summary) {
    const { renderSummaryText } = await import('../report/text.ts');
    ctx.out(renderSummaryText(res.summary));
  }
  if (res.dir) ctx.say(`results: ${res.dir}`);
  if (res.message) ctx.say(`cartload ${command}: ${res.message}`);
  if (res.outcome === 'thresholds') ctx.say(`cartload ${command}: thresholds crossed (exit ${EXIT.thresholdsCrossed})`);
  return exitCodeFor(res.outcome);
}
