/**
 * Shell-like word splitting WITHOUT a shell, for the `command` module's free form:
 * blanks separate words, '...' is literal, "..." honours \\ \" \$ \` and \<newline>,
 * a backslash outside quotes escapes the next character. Nothing is expanded:
 * no $VAR, no globs, no ~, no operators (`|`, `>`, `&&` are ordinary characters).
 */
import { InputError } from '../../errors.js';

export function splitWords(input: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  const n = input.length;
  while (i < n) {
    const c = input[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) {
        words.push(cur);
        cur = '';
        inWord = false;
      }
      i++;
    } else if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) throw new InputError(`unterminated single quote in command: ${input}`);
      cur += input.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const d = input[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < n) {
          const e = input[i + 1]!;
          if (e === '\n') {
            i += 2;
            continue;
          }
          if (e === '\\' || e === '"' || e === '$' || e === '`') {
            cur += e;
            i += 2;
            continue;
          }
        }
        cur += d;
        i++;
      }
      if (!closed) throw new InputError(`unterminated double quote in command: ${input}`);
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= n) throw new InputError(`trailing backslash in command: ${input}`);
      const e = input[i + 1]!;
      if (e !== '\n') {
        cur += e;
        inWord = true;
      }
      i += 2;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
