/**
 * PKCS#10 certificate signing requests: parse exactly, verify the self-signature
 * (proof that the requester holds the private key), refuse anything else.
 */
import { HostforgeError } from '../errors.js';
import { derToOid } from './asn1.js';
import { children, parseDer, pemToDer, type Tlv } from './der.js';
import { OID, parseExtensions } from './extensions.js';
import { spkiAlgorithm, verifySignature, type KeyAlgorithm } from './keys.js';
import { parseName } from './names.js';
import type { DnAttr } from './types.js';

export interface CsrInfo {
  subject: DnAttr[];
  /** The subject Name exactly as encoded in the request. */
  subjectDer: Buffer;
  /** The SubjectPublicKeyInfo exactly as encoded in the request. */
  spki: Buffer;
  keyAlgorithm: KeyAlgorithm;
  /** subjectAltName values the requester asked for (extensionRequest). */
  requestedDns: string[];
  requestedIps: string[];
}

/** Parse and verify; throws HostforgeError('PKI') for a malformed request or an invalid signature. */
export function parseCsr(pem: string): CsrInfo {
  let der: Buffer;
  let top: Tlv[];
  let info: Tlv[];
  try {
    der = pemToDer(pem, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
    top = children(parseDer(der));
    if (top.length !== 3) throw new Error('expected info, algorithm, signature');
    info = children(top[0]!);
    if (info.length < 3) throw new Error('certificationRequestInfo is too short');
  } catch (err) {
    throw new HostforgeError('PKI', `not a valid CSR: ${(err as Error).message}`, { cause: err });
  }
  const [cri, algId, sigBits] = top as [Tlv, Tlv, Tlv];
  const [, subjectTlv, spkiTlv, attrs] = info as [Tlv, Tlv, Tlv, Tlv | undefined];
  const algOid = derToOid(children(algId)[0]!.body);
  if (sigBits.tag !== 0x03 || sigBits.body[0] !== 0) throw new HostforgeError('PKI', 'not a valid CSR: malformed signature');
  let ok: boolean;
  try {
    ok = verifySignature(algOid, cri.raw, spkiTlv.raw, sigBits.body.subarray(1));
  } catch (err) {
    if (err instanceof HostforgeError) throw err;
    throw new HostforgeError('PKI', `CSR signature cannot be checked: ${(err as Error).message}`, { cause: err });
  }
  if (!ok) throw new HostforgeError('PKI', 'CSR signature is invalid: refusing to sign');

  let requestedDns: string[] = [];
  let requestedIps: string[] = [];
  if (attrs && attrs.tag === 0xa0) {
    for (const attr of children(attrs)) {
      const [type, values] = children(attr);
      if (!type || !values || derToOid(type.body) !== OID.extensionRequest) continue;
      const exts = parseExtensions(children(values)[0]);
      requestedDns = exts.dns;
      requestedIps = exts.ips;
    }
  }
  return {
    subject: parseName(subjectTlv),
    subjectDer: subjectTlv.raw,
    spki: spkiTlv.raw,
    keyAlgorithm: spkiAlgorithm(spkiTlv.raw),
    requestedDns,
    requestedIps,
  };
}
