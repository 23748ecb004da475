/**
 * node-forge's ASN.1 codec behind small typed helpers. The only importer of node-forge.
 * forge builds the structures (certificates, extensions, names, encrypted key info);
 * private-key operations are node:crypto's (see keys.ts): forge's pure-JS RSA signing
 * costs ~40 ms a signature and blocks the event loop, node's ~0.7 ms in the thread pool.
 */
import forge from 'node-forge';

const { asn1 } = forge;
const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;

export type Node = forge.asn1.Asn1;

const bin = (b: Buffer): string => b.toString('binary');
export const fromBin = (s: string): Buffer => Buffer.from(s, 'binary');

export const seq = (items: Node[]): Node => asn1.create(U, T.SEQUENCE, true, items);
export const set = (items: Node[]): Node => asn1.create(U, T.SET, true, items);
export const oid = (o: string): Node => asn1.create(U, T.OID, false, asn1.oidToDer(o).getBytes());
export const nul = (): Node => asn1.create(U, T.NULL, false, '');
export const bool = (v: boolean): Node => asn1.create(U, T.BOOLEAN, false, String.fromCharCode(v ? 0xff : 0));
export const octets = (b: Buffer): Node => asn1.create(U, T.OCTETSTRING, false, bin(b));
/** A BIT STRING holding whole bytes (no unused bits). */
export const bits = (b: Buffer): Node => asn1.create(U, T.BITSTRING, false, '\0' + bin(b));
/** INTEGER from its two's-complement content bytes (caller keeps them minimal and positive). */
export const intBytes = (b: Buffer): Node => asn1.create(U, T.INTEGER, false, bin(b));
export const int = (n: number): Node => asn1.create(U, T.INTEGER, false, asn1.integerToDer(n).getBytes());
export const utf8 = (s: string): Node => asn1.create(U, T.UTF8, false, forge.util.encodeUtf8(s));
export const printable = (s: string): Node => asn1.create(U, T.PRINTABLESTRING, false, s);
export const ia5 = (s: string): Node => asn1.create(U, T.IA5STRING, false, s);
/** [n] context-specific: constructed (explicit / structured) or primitive (implicit bytes). */
export const ctx = (n: number, value: Node[] | Buffer): Node =>
  Array.isArray(value)
    ? asn1.create(asn1.Class.CONTEXT_SPECIFIC, n, true, value)
    : asn1.create(asn1.Class.CONTEXT_SPECIFIC, n, false, bin(value));

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(d: Date): Node {
  return d.getUTCFullYear() < 2050
    ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(d))
    : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
}

/** Embed an already-encoded element verbatim; refuses input whose re-encoding would differ. */
export function raw(der: Buffer): Node {
  const fromDer = asn1.fromDer as unknown as (b: string, o: { strict: boolean; decodeBitStrings: boolean }) => Node;
  const node = fromDer(bin(der), { strict: true, decodeBitStrings: false });
  if (!toDer(node).equals(der)) throw new Error('element is not in canonical DER');
  return node;
}

export const toDer = (n: Node): Buffer => fromBin(asn1.toDer(n).getBytes());

export const derToOid = (body: Buffer): string => asn1.derToOid(bin(body));

/** Decode a UTCTime (tag 0x17) or GeneralizedTime (0x18) body. */
export function decodeTime(tag: number, body: Buffer): Date {
  const s = body.toString('latin1');
  return tag === 0x17 ? asn1.utcTimeToDate(s) : asn1.generalizedTimeToDate(s);
}

/** Decode a directory string by its tag: UTF8String, BMPString, else single-byte. */
export function decodeString(tag: number, body: Buffer): string {
  if (tag === 0x0c) return body.toString('utf8');
  if (tag === 0x1e) {
    const swapped = Buffer.from(body);
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  return body.toString('latin1');
}

/** IPv4/IPv6 text → address bytes, or null. */
export function ipToBytes(ip: string): Buffer | null {
  const util = forge.util as unknown as { bytesFromIP(ip: string): string | null };
  const s = util.bytesFromIP(ip);
  return s ? fromBin(s) : null;
}
