// The CLI's commands, one module each. Add a command by adding its module here. Each module is
// small (options and checks); what a command runs is imported inside its run() (see ../command.ts).
import type { CartloadCommand } from '../command.ts';
import target from './target.ts';
import generate from './generate.ts';
import pools from './pools.ts';
import build from './build.ts';
import capacity from './capacity.ts';
import capacityReport from './capacity-report.ts';
import replay from './replay.ts';
import run from './run.ts';
import compare from './compare.ts';
import convert from './convert.ts';
import merge from './merge.ts';
import report from './report.ts';
import learn from './learn.ts';
import deploy from './deploy.ts';

const erase = <A>(c: CartloadCommand<A>): CartloadCommand<never> => c as unknown as CartloadCommand<never>;

export const commands: CartloadCommand<never>[] = [
  erase(generate),
  erase(pools),
  erase(target),
  erase(build),
  erase(capacity),
  erase(capacityReport),
  erase(replay),
  erase(run),
  erase(compare),
  erase(convert),
  erase(merge),
  erase(report),
  erase(deploy),
  erase(learn),
];
