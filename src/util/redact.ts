/**
 * Redaction by value: every encoding of a tainted value, and anything that looks like private key
 * material, becomes `***`. Pure functions; src/util/secret.ts holds the process-wide taint set.
 *
 * Encodings covered: raw (any letter case), JSON-escaped (once and twice), inside POSIX single and
 * double quotes, backslash-escaped, URL-encoded, hex, base64/base64url (standalone, with a trailing
 * newline as `echo | base64` makes, and embedded at any byte alignment inside a longer base64 blob).
 * Short values (under 4 characters) are masked too, where they stand as a token of their own.
 */
export const MASK = '***';

const SHORT = 4;
/** Base64 fragments shorter than this would mask unrelated text. */
const MIN_FRAGMENT = 8;

function base64Forms(s: string): string[] {
  const b = Buffer.from(s, 'utf8');
  const out = [
    b.toString('base64'),
    b.toString('base64').replace(/=+$/, ''),
    b.toString('base64url'),
    Buffer.from(`${s}\n`, 'utf8').toString('base64'),
  ];
  // Embedded in a longer blob: at byte offset 0, 1 or 2 modulo 3, only the 4-character groups made
  // of the value's bytes alone are fixed.
  for (const k of [0, 1, 2]) {
    const enc = Buffer.concat([Buffer.alloc(k), b]).toString('base64');
    const start = k === 0 ? 0 : 4;
    const end = Math.floor((k + b.length) / 3) * 4;
    if (end - start >= MIN_FRAGMENT) out.push(enc.slice(start, end));
  }
  return out;
}

/** Every form in which `s` may appear in an output. */
export function encodings(s: string): string[] {
  const json = JSON.stringify(s).slice(1, -1);
  const forms = new Set<string>([
    s,
    json,
    JSON.stringify(json).slice(1, -1),
    s.replace(/'/g, `'\\''`),
    s.replace(/'/g, `'"'"'`),
    s.replace(/(["\\$`])/g, '\\$1'),
    s.replace(/([^A-Za-z0-9_\-.,:/@=+%])/g, '\\$1'),
    encodeURIComponent(s),
    encodeURI(s),
    Buffer.from(s, 'utf8').toString('hex'),
  ]);
  if (s.length >= SHORT) for (const f of base64Forms(s)) forms.add(f);
  return [...forms].filter((f) => f.length > 0);
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** PEM/OpenSSH/PGP private key blocks (terminated or cut short), and PuTTY's private lines. */
const PEM_BLOCK = /(-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----)[\s\S]*?(?:-----END \2-----|$)/g;
const PUTTY_PRIVATE = /(Private-Lines: *\d+)[\s\S]*?(?:Private-MAC: *[0-9A-Fa-f]+|$)/g;

export function redactKeyMaterial(text: string): string {
  if (!text.includes('PRIVATE KEY') && !text.includes('Private-Lines')) return text;
  return text
    .replace(PEM_BLOCK, (_m, begin: string, label: string) => `${begin}${MASK}-----END ${label}-----`)
    .replace(PUTTY_PRIVATE, (_m, head: string) => `${head} ${MASK}`);
}

/** True when the text holds private key material (a file's content, a variable's value). */
export function looksLikePrivateKey(text: string): boolean {
  return /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/.test(text) || /^PuTTY-User-Key-File-\d+:/m.test(text);
}

/** One compiled matcher for a set of values; build it again when the set grows. */
export function compileRedactor(values: Iterable<string>): (text: string) => string {
  const long = new Set<string>();
  const short = new Set<string>();
  for (const v of values) {
    if (v.length === 0) continue;
    for (const f of encodings(v)) (f.length < SHORT ? short : long).add(f);
  }
  const parts = [...long].sort((a, b) => b.length - a.length).map(escapeRe);
  for (const f of [...short].sort((a, b) => b.length - a.length)) parts.push(`(?<![A-Za-z0-9])${escapeRe(f)}(?![A-Za-z0-9])`);
  const re = parts.length === 0 ? undefined : new RegExp(parts.join('|'), 'gi');
  return (text) => {
    const masked = re === undefined ? text : text.replace(re, MASK);
    return redactKeyMaterial(masked);
  };
}
