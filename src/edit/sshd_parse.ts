/**
 * sshd_config lexing, the way sshd reads it (servconf.c, OpenSSH 9.x):
 * keyword (case-insensitive) up to whitespace or one '=', then arguments split like
 * argv_split(): double/single quotes, backslash escapes, a word starting with '#' ends the line.
 */

export interface Directive {
  /** Lower-case keyword. */
  keyword: string;
  /** The keyword as written. */
  keywordRaw: string;
  indent: string;
  /** What separated the keyword from the values (" ", "\t", "=", " = "). */
  sep: string;
  values: string[];
  /** A trailing comment (from the '#' on), kept when the line is rewritten. */
  comment: string;
}

/** Parse one line; null for blank lines and comments. */
export function parseDirective(line: string): Directive | null {
  const m = /^([ \t]*)([^ \t=]*)([ \t]*=?[ \t]*)(.*)$/.exec(line.replace(/[ \t\r\f]+$/, ''));
  if (!m) return null;
  const [, indent = '', keywordRaw = '', sep = '', rest = ''] = m;
  if (keywordRaw === '' || keywordRaw.startsWith('#')) return null;
  const { tokens, comment } = splitArgs(rest);
  return { keyword: keywordRaw.toLowerCase(), keywordRaw, indent, sep: sep === '' ? ' ' : sep, values: tokens, comment };
}

/** argv_split with comment termination. */
export function splitArgs(s: string): { tokens: string[]; comment: string } {
  const tokens: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
    if (i >= s.length) break;
    if (s[i] === '#') return { tokens, comment: s.slice(i) };
    let tok = '';
    let quote = '';
    for (; i < s.length; i++) {
      const c = s[i] as string;
      if (quote === '' && (c === ' ' || c === '\t')) break;
      if (c === '\\') {
        const n = s[i + 1];
        if (n === "'" || n === '"' || n === '\\' || (quote === '' && n === ' ')) {
          tok += n;
          i++;
        } else tok += c;
        continue;
      }
      if (quote !== '' && c === quote) {
        quote = '';
        continue;
      }
      if (quote === '' && (c === '"' || c === "'")) {
        quote = c;
        continue;
      }
      tok += c;
    }
    tokens.push(tok);
  }
  return { tokens, comment: '' };
}

/** Quote a value word for sshd_config when it needs it. */
export function quoteArg(tok: string): string {
  if (tok !== '' && !/[\s"'#\\]/.test(tok)) return tok;
  return `"${tok.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function renderDirective(d: Directive, values: readonly string[]): string {
  const v = values.map(quoteArg).join(' ');
  return `${d.indent}${d.keywordRaw}${d.sep}${v}${d.comment === '' ? '' : ` ${d.comment}`}`;
}

/** Normalised Match criteria, for comparing `Match User bob` with `match user bob`. */
export function normCriteria(values: readonly string[]): string {
  return values.map((v, i) => (i % 2 === 0 ? v.toLowerCase() : v)).join(' ');
}

/** Values compare as written, except that yes/no are case-insensitive for sshd. */
export function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i] as string;
    if (x === y) return true;
    return /^(yes|no)$/i.test(x) && x.toLowerCase() === y.toLowerCase();
  });
}

/** Relative Include paths are relative to /etc/ssh. */
export function includePath(pattern: string): string {
  return pattern.startsWith('/') ? pattern : `/etc/ssh/${pattern}`;
}
