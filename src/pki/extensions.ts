/**
 * X.509 v3 extensions: what hostforge puts in its certificates, and how it reads them back.
 */
import { bits, bool, ctx, derToOid, oid, octets, seq, toDer, type Node } from './asn1.js';
import { children, parseDer, type Tlv } from './der.js';
import { ipBytesToText, normDns, normIp } from './names.js';
import type { CertUsage } from './types.js';

export const OID = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  extensionRequest: '1.2.840.113549.1.9.14',
} as const;

/** keyUsage bit positions (RFC 5280 4.2.1.3). */
export const KU = { digitalSignature: 0, keyEncipherment: 2, keyAgreement: 4, keyCertSign: 5, cRLSign: 6 } as const;

function ext(id: string, critical: boolean, value: Node): Node {
  const parts = [oid(id)];
  if (critical) parts.push(bool(true));
  parts.push(octets(toDer(value)));
  return seq(parts);
}

/** A DER named BIT STRING: trailing zero bits dropped, unused-bit count set. */
function namedBits(positions: readonly number[]): Node {
  const max = Math.max(...positions);
  const bytes = Buffer.alloc(Math.floor(max / 8) + 1);
  for (const p of positions) bytes[p >> 3]! |= 0x80 >> (p & 7);
  const node = bits(bytes);
  const unused = 7 - (max & 7);
  node.value = String.fromCharCode(unused) + (node.value as string).slice(1);
  return node;
}

export interface LeafExtensionSpec {
  keyId: Buffer; // subject key identifier
  caKeyId: Buffer; // the CA's subject key identifier (→ authorityKeyIdentifier)
  dns: readonly string[];
  ipBytes: readonly Buffer[];
  usage: CertUsage;
  rsa: boolean; // keyEncipherment only makes sense for RSA keys
}

export function leafExtensions(s: LeafExtensionSpec): Node[] {
  const out: Node[] = [
    ext(OID.basicConstraints, true, seq([])),
    ext(OID.keyUsage, true, namedBits(s.rsa ? [KU.digitalSignature, KU.keyEncipherment] : [KU.digitalSignature])),
    ext(
      OID.extKeyUsage,
      false,
      seq([
        ...(s.usage !== 'client' ? [oid(OID.serverAuth)] : []),
        ...(s.usage !== 'server' ? [oid(OID.clientAuth)] : []),
      ]),
    ),
    ext(OID.subjectKeyIdentifier, false, octets(s.keyId)),
    ext(OID.authorityKeyIdentifier, false, seq([ctx(0, s.caKeyId)])),
  ];
  const names = [...s.dns.map((d) => ctx(2, Buffer.from(d, 'ascii'))), ...s.ipBytes.map((b) => ctx(7, b))];
  if (names.length > 0) out.push(ext(OID.subjectAltName, false, seq(names)));
  return out;
}

export function caExtensions(keyId: Buffer): Node[] {
  return [
    ext(OID.basicConstraints, true, seq([bool(true)])),
    ext(OID.keyUsage, true, namedBits([KU.keyCertSign, KU.cRLSign])),
    ext(OID.subjectKeyIdentifier, false, octets(keyId)),
    ext(OID.authorityKeyIdentifier, false, seq([ctx(0, keyId)])),
  ];
}

export interface ParsedExtensions {
  dns: string[];
  ips: string[];
  usage: CertUsage | null;
  isCa: boolean;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
}

/** Read the extensions hostforge cares about from a SEQUENCE OF Extension. */
export function parseExtensions(list: Tlv | undefined): ParsedExtensions {
  const out: ParsedExtensions = { dns: [], ips: [], usage: null, isCa: false, subjectKeyId: null, authorityKeyId: null };
  if (!list) return out;
  for (const e of children(list)) {
    const parts = children(e);
    const id = derToOid(parts[0]!.body);
    const value = parseDer(parts[parts.length - 1]!.body);
    if (id === OID.subjectAltName) {
      for (const gn of children(value)) {
        if (gn.tag === 0x82) out.dns.push(normDns(gn.body.toString('latin1')));
        else if (gn.tag === 0x87) out.ips.push(normIp(ipBytesToText(gn.body)) ?? ipBytesToText(gn.body));
      }
    } else if (id === OID.extKeyUsage) {
      const oids = children(value).map((o) => derToOid(o.body));
      const srv = oids.includes(OID.serverAuth);
      const cli = oids.includes(OID.clientAuth);
      out.usage = srv && cli ? 'both' : srv ? 'server' : cli ? 'client' : null;
    } else if (id === OID.basicConstraints) {
      const first = children(value)[0];
      out.isCa = first !== undefined && first.tag === 0x01 && first.body[0] !== 0;
    } else if (id === OID.subjectKeyIdentifier) {
      out.subjectKeyId = value.body.toString('hex');
    } else if (id === OID.authorityKeyIdentifier) {
      const kid = children(value).find((c) => c.tag === 0x80);
      out.authorityKeyId = kid ? kid.body.toString('hex') : null;
    }
  }
  out.dns = [...new Set(out.dns)].sort();
  out.ips = [...new Set(out.ips)].sort();
  return out;
}
