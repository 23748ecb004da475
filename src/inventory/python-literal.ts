/**
 * Ansible's INI inventory turns each value with Python's `ast.literal_eval` and keeps the
 * raw text when that fails: `5` is an int, `"5"` a string, `[1, 'x']` a list, `True` a
 * boolean, `yes` stays the string "yes". This is that evaluator for the literals that
 * matter (numbers, strings, True/False/None, lists, tuples, dicts, sets); anything else
 * (names, calls, f-strings, complex numbers) is "not a literal" and the caller keeps the text.
 */

class NotLiteral extends Error {}

const NOT = (): never => {
  throw new NotLiteral();
};

export function pythonLiteral(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    const p = new Parser(text);
    const value = p.parseTop();
    return { ok: true, value };
  } catch (err) {
    if (err instanceof NotLiteral) return { ok: false };
    throw err;
  }
}

/** `_parse_value` of Ansible's INI plugin: the literal if it is one, else the text itself. */
export function iniValue(text: string): unknown {
  const r = pythonLiteral(text);
  return r.ok ? r.value : text;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseTop(): unknown {
    // Python 3.10+ literal_eval strips leading spaces and tabs first.
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++;
    const v = this.expr();
    this.ws();
    if (this.i !== this.s.length) NOT();
    return v;
  }

  private ws(): void {
    // Inside brackets Python also allows newlines; a '#' comment runs to end of line.
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === ' ' || c === '\t' || c === '\f' || c === '\n' || c === '\r') this.i++;
      else if (c === '\\' && this.s[this.i + 1] === '\n') this.i += 2;
      else if (c === '#') {
        while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      } else break;
    }
  }

  private peek(): string {
    return this.s[this.i] ?? '';
  }

  private expr(): unknown {
    this.ws();
    const c = this.peek();
    if (c === '+' || c === '-') {
      this.i++;
      const v = this.expr();
      if (typeof v !== 'number') NOT();
      return c === '-' ? -(v as number) : v;
    }
    if (c === '[') return this.seq(']');
    if (c === '(') return this.tuple();
    if (c === '{') return this.dictOrSet();
    if (/[0-9.]/.test(c)) return this.number();
    return this.stringOrName();
  }

  private seq(close: string): unknown[] {
    this.i++; // the opening bracket
    const out: unknown[] = [];
    for (;;) {
      this.ws();
      if (this.peek() === close) {
        this.i++;
        return out;
      }
      out.push(this.expr());
      this.ws();
      if (this.peek() === ',') this.i++;
      else if (this.peek() !== close) NOT();
    }
  }

  private tuple(): unknown {
    this.i++;
    this.ws();
    if (this.peek() === ')') {
      this.i++;
      return [];
    }
    const first = this.expr();
    this.ws();
    if (this.peek() === ')') {
      // (x) is just x
      this.i++;
      return first;
    }
    const out = [first];
    while (this.peek() === ',') {
      this.i++;
      this.ws();
      if (this.peek() === ')') break;
      out.push(this.expr());
      this.ws();
    }
    if (this.peek() !== ')') NOT();
    this.i++;
    return out;
  }

  private dictOrSet(): unknown {
    this.i++;
    this.ws();
    if (this.peek() === '}') {
      this.i++;
      return {};
    }
    const first = this.expr();
    this.ws();
    if (this.peek() === ':') {
      const out: Record<string, unknown> = {};
      let key: unknown = first;
      for (;;) {
        if (this.peek() !== ':') NOT();
        this.i++;
        const value = this.expr();
        out[dictKey(key)] = value;
        this.ws();
        if (this.peek() === ',') {
          this.i++;
          this.ws();
        }
        if (this.peek() === '}') {
          this.i++;
          return out;
        }
        key = this.expr();
        this.ws();
      }
    }
    // A set literal: rendered as a list.
    const out: unknown[] = [first];
    for (;;) {
      if (this.peek() === ',') {
        this.i++;
        this.ws();
      }
      if (this.peek() === '}') {
        this.i++;
        return out;
      }
      const v = this.expr();
      if (!out.some((x) => x === v)) out.push(v);
      this.ws();
    }
  }

  private number(): number {
    const rest = this.s.slice(this.i);
    const m =
      /^0[xX](?:_?[0-9a-fA-F])+|^0[oO](?:_?[0-7])+|^0[bB](?:_?[01])+/.exec(rest) ??
      /^(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?/.exec(rest);
    if (!m || m[0] === '.') NOT();
    const text = m![0];
    this.i += text.length;
    if (/^[jJ]/.test(this.peek()) || /^[A-Za-z_0-9]/.test(this.peek())) NOT(); // complex or junk
    const clean = text.replace(/_/g, '');
    if (/^0[xX]/.test(clean)) return Number.parseInt(clean.slice(2), 16);
    if (/^0[oO]/.test(clean)) return Number.parseInt(clean.slice(2), 8);
    if (/^0[bB]/.test(clean)) return Number.parseInt(clean.slice(2), 2);
    if (/^[0-9]+$/.test(clean)) {
      // Python 3 refuses leading zeros on decimal ints ("0755"), except all zeros.
      if (clean.length > 1 && clean[0] === '0' && /[1-9]/.test(clean)) NOT();
      return Number.parseInt(clean, 10);
    }
    return Number.parseFloat(clean);
  }

  private stringOrName(): unknown {
    const rest = this.s.slice(this.i);
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)?.[0] ?? '';
    const after = rest[word.length];
    if (word && after !== "'" && after !== '"') {
      this.i += word.length;
      if (word === 'True') return true;
      if (word === 'False') return false;
      if (word === 'None') return null;
      return NOT();
    }
    // One or more adjacent string literals, concatenated.
    let out: string | undefined;
    for (;;) {
      this.ws();
      const lit = this.stringLiteral();
      if (lit === undefined) break;
      out = (out ?? '') + lit;
    }
    if (out === undefined) NOT();
    return out;
  }

  private stringLiteral(): string | undefined {
    const m = /^([rRbBuU]{0,2})('''|"""|'|")/.exec(this.s.slice(this.i));
    if (!m) return undefined;
    const prefix = m[1]!.toLowerCase();
    if (prefix.includes('u') && prefix.length > 1) NOT();
    const raw = prefix.includes('r');
    const quote = m[2]!;
    this.i += m[0].length;
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) NOT();
      if (this.s.startsWith(quote, this.i)) {
        this.i += quote.length;
        return out;
      }
      const c = this.s[this.i]!;
      if (c === '\n' && quote.length === 1) NOT();
      if (c === '\\') {
        const n = this.s[this.i + 1];
        if (n === undefined) NOT();
        if (raw) {
          out += c + n;
          this.i += 2;
          continue;
        }
        this.i += 2;
        out += this.escape(n!);
        continue;
      }
      out += c;
      this.i++;
    }
  }

  private escape(n: string): string {
    const simple: Record<string, string> = {
      '\n': '',
      '\\': '\\',
      "'": "'",
      '"': '"',
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
    };
    if (n in simple) return simple[n]!;
    if (/[0-7]/.test(n)) {
      let digits = n;
      while (digits.length < 3 && /[0-7]/.test(this.s[this.i] ?? '')) digits += this.s[this.i++];
      return String.fromCodePoint(Number.parseInt(digits, 8));
    }
    const hexLen = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0;
    if (hexLen) {
      const hex = this.s.slice(this.i, this.i + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(hex)) NOT();
      this.i += hexLen;
      const cp = Number.parseInt(hex, 16);
      if (cp > 0x10ffff) NOT();
      return String.fromCodePoint(cp);
    }
    // Unknown escapes keep their backslash.
    return '\\' + n;
  }
}

function dictKey(key: unknown): string {
  if (typeof key === 'string') return key;
  if (key === null) return 'null';
  // json.dumps renders non-string keys as their JSON text.
  if (typeof key === 'number' || typeof key === 'boolean') return String(key);
  return NOT();
}
