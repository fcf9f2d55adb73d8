// The guard rail before real writes: Talon.One asks that load tests be agreed with them and never
// aimed at a live production deployment. Before the first request of a run that writes (not dry)
// to a host that is not this machine, the CLI says what is about to happen and wants an explicit
// yes: a prompt on a terminal, --yes (or CARTLOAD_YES=1) in CI. Without a terminal and without
// --yes it refuses (exit 2) before anything is sent. Dry runs and loopback targets need no yes.
import { isLoopbackUrl } from '../io/url.ts';
import { UsageError } from './command.ts';
import type { CommandContext } from './io.ts';

export { isLoopbackUrl };

export interface PlannedRun {
  /** `cartload run` or `cartload replay`. */
  command: string;
  target: string;
  dry: boolean;
  /** What will happen, one `label: value` line each (rate, duration or file, sessions, ...). */
  details: readonly (readonly [string, string])[];
  /** --yes, or CARTLOAD_YES (read with the other flags). */
  yes: boolean;
}

/** Resolves when the run may start; throws UsageError (exit 2) when it may not. Prints nothing for dry runs and loopback targets. */
export async function confirmWrites(plan: PlannedRun, ctx: CommandContext): Promise<void> {
  if (plan.dry || isLoopbackUrl(plan.target)) return;
  const host = new URL(plan.target).host;
  if (!plan.yes && !ctx.io.interactive) {
    throw new UsageError(
      `${host} is not this machine and the run is not --dry: it would create real sessions there. Agree load tests with the deployment's owner (never a live production deployment), then pass --yes (or set CARTLOAD_YES=1)`,
    );
  }
  const width = Math.max(...plan.details.map(([k]) => k.length), 'target'.length);
  ctx.say(`${plan.command} is about to write to ${host}, which is not this machine:`);
  for (const [k, v] of [
    ['target', plan.target] as const,
    ...plan.details,
    ['dry', 'no: sessions, orders and returns are really created'] as const,
  ]) {
    ctx.say(`  ${k.padEnd(width)}  ${v}`);
  }
  if (plan.yes) {
    ctx.say('  confirmed by --yes');
    return;
  }
  const answer = (
    await ctx.io.ask(`Agreed with the deployment's owner, and not a live production deployment? Type yes to start: `)
  )
    .trim()
    .toLowerCase();
  if (answer !== 'yes' && answer !== 'y')
    throw new UsageError(`not confirmed (answer "${answer}"): nothing was sent to ${host}`);
}
