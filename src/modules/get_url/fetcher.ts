/**
 * Downloading on the managed host with what it has: curl (preferred; credentials go in a
 * config read from stdin, never in an argv) or wget. Pure command building.
 */
import { InputError } from '../../errors.js';
import { shJoin, shQuote } from '../../util/quote.js';

export interface FetchSpec {
  url: string;
  timeout: number;
  headers?: Record<string, string>;
  validateCerts?: boolean;
  username?: string;
  password?: string;
}

/** curl's config-file quoting: "..." with \\ and \" escaped. */
function curlQuote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The stdin for the download command (curl -K -), or undefined. */
export function fetchStdin(s: FetchSpec): string | undefined {
  if (s.username === undefined) return undefined;
  return `user = ${curlQuote(`${s.username}:${s.password ?? ''}`)}\n`;
}

/** A shell fragment writing the URL's body to stdout (fails on HTTP errors). */
export function fetchCommand(s: FetchSpec): string {
  if (!/^(https?|ftp|file):\/\//i.test(s.url)) throw new InputError(`get_url: unsupported URL scheme: ${s.url}`);
  const headers = Object.entries(s.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const curl = shJoin([
    'curl', '-fsSL', '--proto', '=http,https,ftp,file', '--max-time', String(s.timeout),
    ...(s.validateCerts === false ? ['-k'] : []), ...headers, ...(s.username !== undefined ? ['-K', '-'] : []), '--', s.url,
  ]);
  const wgetHeaders = Object.entries(s.headers ?? {}).map(([k, v]) => `--header=${k}: ${v}`);
  const wget = shJoin(['wget', '-q', '-O', '-', `--timeout=${s.timeout}`, ...(s.validateCerts === false ? ['--no-check-certificate'] : []), ...wgetHeaders, '--', s.url]);
  const noWgetAuth = s.username !== undefined ? `echo ${shQuote('get_url: credentials need curl on the host')} >&2; exit 2` : wget;
  return `if command -v curl >/dev/null 2>&1; then ${curl}; elif command -v wget >/dev/null 2>&1; then ${noWgetAuth}; else echo 'get_url: neither curl nor wget on the host' >&2; exit 127; fi`;
}

export const ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export interface ChecksumSpec {
  algorithm: Algorithm;
  /** The hex digest, or a URL of a checksum file. */
  value: string;
  isUrl: boolean;
}

export function parseChecksum(text: string): ChecksumSpec | null {
  if (text === '') return null;
  const i = text.indexOf(':');
  const algorithm = text.slice(0, i).toLowerCase();
  const value = text.slice(i + 1).trim();
  if (i < 0 || !(ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new InputError(`get_url: checksum must be <algorithm>:<digest or URL> with algorithm one of ${ALGORITHMS.join(', ')}: ${text}`);
  }
  const isUrl = /^(https?|ftp|file):\/\//i.test(value);
  if (!isUrl && !/^[0-9a-fA-F]+$/.test(value)) throw new InputError(`get_url: checksum digest is not hexadecimal: ${value}`);
  return { algorithm: algorithm as Algorithm, value: isUrl ? value : value.toLowerCase(), isUrl };
}

/** The digest for `filename` in a checksum file (`HEX  name` lines; a single bare digest is fine). */
export function digestFromList(text: string, filename: string): string | null {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  for (const l of lines) {
    const m = /^([0-9a-fA-F]+)\s+\*?(?:\.\/)?(.+)$/.exec(l);
    if (m && (m[2] === filename || m[2]!.endsWith(`/${filename}`))) return m[1]!.toLowerCase();
  }
  if (lines.length === 1 && /^[0-9a-fA-F]+$/.test(lines[0]!.split(/\s+/)[0] ?? '')) return lines[0]!.split(/\s+/)[0]!.toLowerCase();
  return null;
}
