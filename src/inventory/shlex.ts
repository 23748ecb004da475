/**
 * POSIX shlex splitting as Python's `shlex.split(line, comments=True)` does it, which is
 * how Ansible's INI inventory cuts a host line into `name key=value ...` tokens.
 * Note Python's quirk kept here: a `#` starts a comment even in the middle of a word.
 */
const WHITESPACE = ' \t\r\n';
const QUOTES = `'"`;

export class ShlexError extends Error {}

export function shlexSplit(line: string): string[] {
  const tokens: string[] = [];
  let state = ' ' as ' ' | 'a' | "'" | '"' | '\\';
  let escapedState = 'a' as 'a' | '"';
  let token = '';
  let quoted = false;
  const emit = (): void => {
    if (token !== '' || quoted) tokens.push(token);
    token = '';
    quoted = false;
  };
  for (let i = 0; i <= line.length; i++) {
    const ch = i < line.length ? line[i]! : '';
    if (state === ' ' || state === 'a') {
      if (ch === '') break;
      if (WHITESPACE.includes(ch)) {
        emit();
        state = ' ';
      } else if (ch === '#') {
        // The rest of the line is a comment.
        break;
      } else if (ch === '\\') {
        escapedState = 'a';
        state = '\\';
      } else if (QUOTES.includes(ch)) {
        state = ch as "'" | '"';
      } else {
        token += ch;
        state = 'a';
      }
    } else if (state === "'" || state === '"') {
      quoted = true;
      if (ch === '') throw new ShlexError('No closing quotation');
      if (ch === state) state = 'a';
      else if (ch === '\\' && state === '"') {
        escapedState = state;
        state = '\\';
      } else token += ch;
    } else {
      if (ch === '') throw new ShlexError('No escaped character');
      // Inside double quotes only the quote itself or a backslash may be escaped.
      if (escapedState === '"' && ch !== '\\' && ch !== escapedState) token += '\\';
      token += ch;
      state = escapedState;
    }
  }
  emit();
  return tokens;
}
