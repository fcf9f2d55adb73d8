// The CLI's commands, one module each. Add a command by adding its module here.
import type { CartloadCommand } from '../command.ts';
import target from './target.ts';
import generate from './generate.ts';
import pools from './pools.ts';
import build from './build.ts';
import capacityReport from './capacity-report.ts';
import replay from './replay.ts';
import run from './run.ts';
import compare from './compare.ts';
import learn from './learn.ts';

export const commands: CartloadCommand<never>[] = [generate as unknown as CartloadCommand<never>, pools as unknown as CartloadCommand<never>, target as unknown as CartloadCommand<never>, build as unknown as CartloadCommand<never>, capacityReport as unknown as CartloadCommand<never>, replay as unknown as CartloadCommand<never>, run as unknown as CartloadCommand<never>, compare as unknown as CartloadCommand<never>, learn as unknown as CartloadCommand<never>];
