/** Errors → one readable screen and an exit code. */
import { HostforgeError } from '../errors.js';

export function describeError(err: unknown): string {
  if (err instanceof HostforgeError) return `error: ${err.describe()}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}

export function exitCodeForError(err: unknown): number {
  if (err instanceof HostforgeError) {
    if (err.code === 'UNREACHABLE' || err.code === 'HOST_KEY') return 4;
    if (err.code === 'TASK_FAILED') return 2;
  }
  return 1;
}
