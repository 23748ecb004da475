/**
 * Distinguished names and subjectAltName values: build, parse, format, normalise.
 */
import { isIP } from 'node:net';
import { decodeString, derToOid, ia5, ipToBytes, oid, printable, seq, set, utf8, type Node } from './asn1.js';
import { children, type Tlv } from './der.js';
import type { DnAttr } from './types.js';

const SHORT_TO_OID: Record<string, string> = {
  CN: '2.5.4.3',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  serialNumber: '2.5.4.5',
  DC: '0.9.2342.19200300.100.1.25',
  emailAddress: '1.2.840.113549.1.9.1',
};
const OID_TO_SHORT: Record<string, string> = Object.fromEntries(
  Object.entries(SHORT_TO_OID).map(([k, v]) => [v, k]),
);

export function attrOid(type: string): string {
  const o = SHORT_TO_OID[type] ?? (/^\d+(\.\d+)+$/.test(type) ? type : undefined);
  if (!o) throw new Error(`unknown name attribute "${type}" (use ${Object.keys(SHORT_TO_OID).join(', ')} or an OID)`);
  return o;
}

/** One RDN per attribute, in the order given. C is a PrintableString, e-mail IA5, the rest UTF8. */
export function buildName(attrs: readonly DnAttr[]): Node {
  return seq(
    attrs.map((a) => {
      const o = attrOid(a.type);
      const value = o === SHORT_TO_OID.C ? printable(a.value) : o === SHORT_TO_OID.emailAddress ? ia5(a.value) : utf8(a.value);
      return set([seq([oid(o), value])]);
    }),
  );
}

export function parseName(name: Tlv): DnAttr[] {
  const out: DnAttr[] = [];
  for (const rdn of children(name)) {
    for (const atv of children(rdn)) {
      const [t, v] = children(atv);
      if (!t || !v) throw new Error('malformed name attribute');
      const o = derToOid(t.body);
      out.push({ type: OID_TO_SHORT[o] ?? o, value: decodeString(v.tag, v.body) });
    }
  }
  return out;
}

export { formatName } from './name-text.js';

/** OpenSSL `-subj` syntax: "/O=ORG/CN=HOST", with / + and \ escaped. */
export function toOpensslSubj(attrs: readonly DnAttr[]): string {
  return attrs.map((a) => `/${a.type}=${a.value.replace(/([/+\\])/g, '\\$1')}`).join('') || '/';
}

export function sameName(a: readonly DnAttr[], b: readonly DnAttr[]): boolean {
  return a.length === b.length && a.every((x, i) => attrOid(x.type) === attrOid(b[i]!.type) && x.value === b[i]!.value);
}

export function normDns(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

const DNS_RE = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
export function isDnsName(name: string): boolean {
  return name.length <= 253 && DNS_RE.test(normDns(name));
}

/** Canonical text of an IP address (IPv6 per RFC 5952), or null when not an IP. */
export function normIp(ip: string): string | null {
  const s = ip.trim();
  if (!isIP(s)) return null;
  const b = ipToBytes(s);
  return b ? ipBytesToText(b) : null;
}

export function ipBytesToText(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  if (b.length !== 16) return `invalid(${b.toString('hex')})`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Lowercased/canonical, unique, sorted SAN lists; throws on a malformed name or address. */
export function normaliseSans(dns: readonly string[], ips: readonly string[]): { dns: string[]; ips: string[] } {
  const d = new Set<string>();
  for (const n of dns) {
    if (!isDnsName(n)) throw new Error(`"${n}" is not a DNS name`);
    d.add(normDns(n));
  }
  const i = new Set<string>();
  for (const a of ips) {
    const n = normIp(a);
    if (!n) throw new Error(`"${a}" is not an IP address`);
    i.add(n);
  }
  return { dns: [...d].sort(), ips: [...i].sort() };
}
