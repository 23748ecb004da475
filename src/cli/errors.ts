/** Errors → one readable screen and an exit code. */
import { HostforgeError, InputErrors } from '../errors.js';

export function describeError(err: unknown): string {
  if (err instanceof InputErrors) {
    const lines = err.problems.map((p) => `error: ${p.describe()}`);
    if (err.more > 0) lines.push(`error: ... and ${err.more} more`);
    return `${lines.join('\n')}\n${err.message}; no host was contacted`;
  }
  if (err instanceof HostforgeError) return `error: ${err.describe()}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}

export function exitCodeForError(err: unknown): number {
  if (err instanceof HostforgeError) {
    if (err.code === 'UNREACHABLE' || err.code === 'HOST_KEY') return 4;
    if (err.code === 'TASK_FAILED') return 2;
    if (err.code === 'LOCKED') return 75; // another run holds a host's run lock (EX_TEMPFAIL: try again later)
  }
  return 1;
}
