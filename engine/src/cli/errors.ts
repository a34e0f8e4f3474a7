/**
 * A user error: bad input, bad configuration, a refused request. The CLI prints its message as one
 * line and exits with `exitCode`; anything else that escapes is a bug and is reported as such.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}
