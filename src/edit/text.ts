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

/** Join lines back; `finalNewline` says whether the text ends with a newline. */
export function joinLines(lines: readonly string[], finalNewline: boolean): string {
  if (lines.length === 0) return '';
  return lines.join('\n') + (finalNewline ? '\n' : '');
}
