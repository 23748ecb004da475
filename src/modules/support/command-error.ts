/**
 * A command that exited non-zero. It is a TaskError (the task failed) that keeps the
 * whole result, so the engine can still `register:` it and evaluate `failed_when`.
 */
import { TaskError } from '../../errors.js';
import type { ApplyResult } from '../types.js';

export class CommandFailed extends TaskError {
  readonly result: ApplyResult;
  constructor(message: string, result: ApplyResult) {
    super(message, { details: typeof result.stderr === 'string' ? result.stderr : undefined });
    this.name = 'CommandFailed';
    this.result = result;
  }
}

export function isCommandFailed(err: unknown): err is CommandFailed {
  return err instanceof CommandFailed;
}
