/** Line helpers shared by the editors: split keeping the final-newline fact, join back. */

export interface Lines {
  lines: string[];
  /** The text ended with a newline (or was empty). */
  finalNewline: boolean;
}

export function splitLines(text: string): Lines {
  if (text === '') return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith('\n');
  const body = finalNewline ? text.slice(0, -1) : text;
  return { lines: body.split('\n'), finalNewline };
}

/**
 * Join lines back. A file that had no final newline keeps it that way unless lines were
 * appended (`forceFinalNewline`), in which case the file ends with one.
 */
export function joinLines(lines: readonly string[], finalNewline: boolean): string {
  if (lines.length === 0) return '';
  return lines.join('\n') + (finalNewline ? '\n' : '');
}

/** Leading whitespace of a line. */
export function indentOf(line: string): string {
  const m = /^[ \t]*/.exec(line);
  return m ? m[0] : '';
}

/** Lines as a list of comma-free words from a string or a list ("a,b" / ["a","b"]). */
export function listArg(v: string | readonly string[] | undefined, sep: RegExp = /,/): string[] {
  if (v === undefined) return [];
  const items = typeof v === 'string' ? v.split(sep) : v.flatMap((s) => s.split(sep));
  return items.map((s) => s.trim()).filter((s) => s !== '');
}
