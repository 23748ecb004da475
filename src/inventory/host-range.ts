/**
 * Host names as Ansible reads them in inventories: an optional `:port` suffix and
 * `[a:b]` / `[a:b:step]` ranges (`node[1:3]`, `db-[001:010:3]` keeps zero padding,
 * `h[a:c]` letters, several ranges in one name). A port of ansible-core 2.14's
 * `parse_address` + `expand_hostname_range`, quirks included.
 */
import { InputError, type SourceLocation } from '../errors.js';

const numericRange = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const hexRange = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const alnumRange = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const ipv6Component = `(?:[0-9a-f]{1,4}|${hexRange})`;
const ipv4Component = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${numericRange})`;
const label = `(?:[\\w]|${alnumRange})(?:[\\w_-]|${alnumRange})*(?<![_-])`;

const c6 = ipv6Component;
const c4dotted = `(?:${c6}\\.){3}${c6}`;
const PATTERNS = {
  bracketedHostport: /^\[(.+)\]:([0-9]+)$/,
  hostport: /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/,
  ipv4: new RegExp(`^(?:${ipv4Component}\\.){3}${ipv4Component}$`, 'i'),
  ipv6: new RegExp(
    '^(?:' +
      [
        `(?:${c6}:){7}${c6}`,
        `(?:${c6}:){1,6}:`,
        `(?:${c6}:)(?::${c6}){1,6}`,
        `(?:${c6}:){2}(?::${c6}){1,5}`,
        `(?:${c6}:){3}(?::${c6}){1,4}`,
        `(?:${c6}:){4}(?::${c6}){1,3}`,
        `(?:${c6}:){5}(?::${c6}){1,2}`,
        `(?:${c6}:){6}(?::${c6})`,
        `:(?::${c6}){1,6}`,
        `${c6}?::`,
        `(?:0:){6}${c4dotted}`,
        `::(?:ffff:)?${c4dotted}`,
        `(?:0:){5}ffff:${c4dotted}`,
      ].join('|') +
      ')$',
    'i',
  ),
  hostname: new RegExp(`^${label}(?:\\.${label})*$`, 'iu'),
};

/** An IPv4 or IPv6 address (ranges allowed), as Ansible tells them from host names. */
export function isIpAddress(name: string): boolean {
  return PATTERNS.ipv4.test(name) || PATTERNS.ipv6.test(name);
}

export interface ParsedAddress {
  host: string;
  port?: number;
}

/**
 * Split `host:port` / `[host]:port` and check that what is left is an IPv4/IPv6 address
 * or a host name (ranges allowed). Returns undefined when it is none of those.
 */
export function parseAddress(address: string): ParsedAddress | undefined {
  let rest = address;
  let port: number | undefined;
  for (const re of [PATTERNS.bracketedHostport, PATTERNS.hostport]) {
    const m = re.exec(rest);
    if (m) {
      rest = m[1]!;
      port = Number.parseInt(m[2]!, 10);
    }
  }
  const ok = PATTERNS.ipv4.test(rest) || PATTERNS.ipv6.test(rest) || PATTERNS.hostname.test(rest);
  return ok ? { host: rest, ...(port === undefined ? {} : { port }) } : undefined;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function rangeError(message: string, location?: SourceLocation): InputError {
  return new InputError(message, { code: 'INVENTORY', location });
}

/** Expand every `[begin:end(:step)]` range in a host name, left to right. */
export function expandHostnameRange(line: string, location?: SourceLocation): string[] {
  if (!line.includes('[')) return [line];
  const open = line.indexOf('[');
  const close = line.indexOf(']', open);
  const head = line.slice(0, open);
  // Ansible replaces the first '[' and the first ']' (wherever it is) and splits on '|'.
  const firstClose = line.indexOf(']');
  if (firstClose < open || close < 0) {
    throw rangeError(`invalid host range in "${line}"`, location);
  }
  const nrange = line.slice(open + 1, close);
  const tail = line.slice(close + 1);
  if (nrange.includes('|') || head.includes('|') || tail.includes('|')) {
    throw rangeError(`invalid host range in "${line}"`, location);
  }
  const bounds = nrange.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) {
    throw rangeError(`host range must be begin:end or begin:end:step in "${line}"`, location);
  }
  const beg = bounds[0] === '' ? '0' : bounds[0]!;
  const end = bounds[1]!;
  const stepText = bounds.length === 3 ? bounds[2]! : '1';
  if (!end) throw rangeError(`host range must specify end value in "${line}"`, location);
  let fill = (x: string | number): string => String(x);
  if (beg[0] === '0' && beg.length > 1) {
    const width = beg.length;
    if (width !== end.length) {
      throw rangeError(`host range must specify equal-length begin and end formats in "${line}"`, location);
    }
    fill = (x) => String(x).padStart(width, '0');
  }
  const step = toInt(stepText);
  if (step === undefined || step <= 0) throw rangeError(`invalid host range step "${stepText}" in "${line}"`, location);
  const seq: (string | number)[] = [];
  const iBeg = beg.length === 1 ? LETTERS.indexOf(beg) : -1;
  const iEnd = end.length === 1 ? LETTERS.indexOf(end) : -1;
  if (iBeg >= 0 && iEnd >= 0) {
    if (iBeg > iEnd) throw rangeError(`host range must have begin <= end in "${line}"`, location);
    for (let i = iBeg; i <= iEnd; i += step) seq.push(LETTERS[i]!);
  } else {
    const b = toInt(beg);
    const e = toInt(end);
    if (b === undefined || e === undefined) throw rangeError(`invalid host range [${nrange}] in "${line}"`, location);
    for (let i = b; i <= e; i += step) seq.push(i);
  }
  const out: string[] = [];
  for (const item of seq) out.push(...expandHostnameRange(`${head}${fill(item)}${tail}`, location));
  return out;
}

function toInt(text: string): number | undefined {
  return /^[0-9]+$/.test(text) ? Number.parseInt(text, 10) : undefined;
}

/**
 * One inventory host entry (`web[1:3]:2222`) to its host names and optional port,
 * like Ansible's `_expand_hostpattern`: an entry that is not a recognisable address is
 * taken whole (no port split), then expanded if it contains '['.
 */
export function expandHostPattern(entry: string, location?: SourceLocation): { hosts: string[]; port?: number } {
  const parsed = parseAddress(entry);
  const pattern = parsed ? parsed.host : entry;
  const hosts = pattern.includes('[') ? expandHostnameRange(pattern, location) : [pattern];
  return parsed?.port === undefined ? { hosts } : { hosts, port: parsed.port };
}
