// The build's one error type: a failure caused by the scenarios' code or the user's files, whose
// message names the file and import chain (the CLI answers it with EXIT.badInput).
import { CartloadError } from '../model/errors.ts';
export class BuildError extends CartloadError {
  constructor(readonly problems: string[]) {
    super(`k6 build failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'BuildError';
  }
}
