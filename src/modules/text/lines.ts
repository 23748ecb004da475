/** Line splitting helpers that keep line endings, as Python's readlines()/splitlines(True) do. */

/** Python's `readlines()`: split after each "\n"; the last line may lack one. */
export function readLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    out.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** Python's `bytes.splitlines(True)`: split after "\n", "\r\n" or a lone "\r". */
export function splitLinesKeepEnds(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

/** The line without its "\n" (what a Python `$` sees as the end). */
export function chompNl(line: string): string {
  return line.endsWith('\n') ? line.slice(0, -1) : line;
}

/** Python's `line.rstrip('\r\n')`. */
export function rstripEol(line: string): string {
  return line.replace(/[\r\n]+$/, '');
}

export function endsWithEol(line: string): boolean {
  return line.endsWith('\n') || line.endsWith('\r');
}
