/**
 * The one place where argv becomes /bin/sh text. Nothing else builds shell by
 * concatenating strings.
 */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quote one word for POSIX sh. */
export function shQuote(word: string): string {
  if (word === '') return "''";
  if (SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** argv → one sh command line. */
export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}

/**
 * A command is either an argv array (quoted here) or an explicit shell script
 * (for the `shell` module and for scripts hostforge itself composes from quoted parts).
 */
export type Command = readonly string[] | { readonly script: string };

export function toShell(cmd: Command): string {
  return Array.isArray(cmd) ? shJoin(cmd as readonly string[]) : (cmd as { script: string }).script;
}

/** Compose several commands into a script joined by `&&`. */
export function andThen(...cmds: Command[]): { script: string } {
  return { script: cmds.map(toShell).join(' && ') };
}
