/**
 * Names and values shown on one output line: control characters (newline, ESC, DEL, C1,
 * and the Unicode line/paragraph separators) are escaped, so a file name with a newline
 * cannot split a summary across lines and an ESC cannot drive the operator's terminal.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e', '\u0000': '\\0' };

// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

export function printable(s: string): string {
  return HAS_CONTROL.test(s) ? s.replace(CONTROL, escapeOne) : s;
}

// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Text of several lines (output, a message, a diff): newlines and tabs kept, every other control character escaped. */
export function printableText(s: string): string {
  return HAS_CONTROL.test(s) ? s.replace(CONTROL_BUT_LINES, escapeOne) : s;
}
