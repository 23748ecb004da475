/**
 * Typed errors in one place. Only the CLI maps them to exit codes and messages.
 * Exit codes: 0 ok, 1 usage / bad input, 2 a task failed, 4 a host was unreachable.
 */
export type ErrorCode =
  | 'USAGE'
  | 'INPUT'
  | 'YAML'
  | 'SCHEMA'
  | 'TEMPLATE'
  | 'UNDEFINED_VAR'
  | 'VAR_CYCLE'
  | 'INVENTORY'
  | 'MODULE'
  | 'TASK_FAILED'
  | 'UNREACHABLE'
  | 'HOST_KEY'
  | 'PKI'
  | 'VAULT'
  | 'LAB'
  | 'LOCKED';

export interface SourceLocation {
  file: string;
  line?: number; // 1-based
  column?: number; // 1-based
}

export class HostforgeError extends Error {
  readonly code: ErrorCode;
  readonly location?: SourceLocation;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; location?: SourceLocation }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HostforgeError';
    this.code = code;
    this.location = options?.location;
  }

  /** "file:line:col: message" when a location is known. */
  describe(): string {
    const loc = this.location;
    if (!loc) return this.message;
    const pos = loc.line !== undefined ? `:${loc.line}${loc.column !== undefined ? `:${loc.column}` : ''}` : '';
    return `${loc.file}${pos}: ${this.message}`;
  }
}

/** Bad input: a file, an argument, a schema. Nothing was contacted. Exit 1. */
export class InputError extends HostforgeError {
  constructor(message: string, options?: { cause?: unknown; location?: SourceLocation; code?: ErrorCode }) {
    super(options?.code ?? 'INPUT', message, options);
    this.name = 'InputError';
  }
}

/** Several input problems found at once (validate reports them all). Exit 1. */
export class InputErrors extends InputError {
  readonly problems: readonly InputError[];
  /** Problems found beyond those listed. */
  readonly more: number;
  constructor(problems: InputError[], more = 0) {
    const n = problems.length + more;
    super(`${n} problem${n === 1 ? '' : 's'} found`, { code: problems[0]?.code, location: problems[0]?.location, cause: problems[0] });
    this.name = 'InputErrors';
    this.problems = problems;
    this.more = more;
  }

  override describe(): string {
    const lines = this.problems.map((p) => p.describe());
    if (this.more > 0) lines.push(`... and ${this.more} more`);
    return lines.join('\n');
  }
}

/** A host could not be reached or authenticated. */
export class UnreachableError extends HostforgeError {
  constructor(message: string, options?: { cause?: unknown; code?: ErrorCode }) {
    super(options?.code ?? 'UNREACHABLE', message, options);
    this.name = 'UnreachableError';
  }
}

/** A task failed on a host (non-zero exit, failed validation, ...). */
export class TaskError extends HostforgeError {
  readonly details?: string;
  constructor(message: string, options?: { cause?: unknown; details?: string }) {
    super('TASK_FAILED', message, options);
    this.name = 'TaskError';
    this.details = options?.details;
  }
}

/**
 * How a failure counts for a host, decided here only: unreachable (exit 4) when the error,
 * or any error it was caused by, is an UnreachableError (the transport turns every fault of
 * a lost link into one, whatever the operation: upload, channel, command, keepalive);
 * otherwise a task failure (exit 2).
 */
export function failureKind(err: unknown): 'unreachable' | 'failed' {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 16; depth++) {
    if (e instanceof UnreachableError) return 'unreachable';
    e = (e as { cause?: unknown }).cause;
  }
  return 'failed';
}

export function errorMessage(err: unknown): string {
  if (err instanceof HostforgeError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A vault could not be opened: no password, a wrong one, a damaged file. Exit 1. */
export class VaultError extends HostforgeError {
  constructor(message: string, options?: { cause?: unknown; location?: SourceLocation }) {
    super('VAULT', message, options);
    this.name = 'VaultError';
  }
}
