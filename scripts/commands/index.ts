// The CLI's commands, one module each. Add a command by adding its module here.
import type { CartloadCommand } from '../command.ts';
import target from './target.ts';

export const commands: CartloadCommand<never>[] = [target as unknown as CartloadCommand<never>];
