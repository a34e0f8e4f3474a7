/**
 * The bridge's user errors are the engine's UserError (one class), so that the one top-level error
 * boundary of `ci-exposure` (the engine's `runProgram`) prints them as one line with their exit code.
 */
export { UserError } from '@ci-exposure/engine';
