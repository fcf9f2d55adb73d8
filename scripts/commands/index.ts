// The CLI's commands, one module each. Add a command by adding its module here.
import type { CartloadCommand } from '../command.ts';

export const commands: CartloadCommand<never>[] = [];
