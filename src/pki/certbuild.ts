/**
 * Assemble and sign an X.509 v3 certificate. The TBSCertificate is built with forge's
 * ASN.1 codec; the subject public key and (for `pki sign`) the subject name are copied
 * verbatim from the request; the signature is node:crypto's, in the thread pool.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { bits, ctx, int, intBytes, raw, seq, time, toDer, type Node } from './asn1.js';
import { derSequence, derToPem } from './der.js';
import { signAsync, signatureAlgorithmFor } from './keys.js';

/**
 * 16 random bytes, positive and minimally encoded: the top bit is cleared (a set top
 * bit would make the INTEGER negative) and a zero first byte is replaced (it would be
 * a non-minimal encoding). RFC 5280 allows up to 20 octets.
 */
export function randomSerial(): Buffer {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  if (b[0] === 0) b[0] = 0x40;
  return b;
}

export interface CertSpec {
  serial: Buffer;
  issuerName: Buffer; // the CA's subject Name DER
  subjectName: Node | Buffer; // built Name, or DER copied from a CSR
  spki: Buffer;
  notBefore: Date;
  notAfter: Date;
  extensions: Node[];
}

/** The DER TBSCertificate (synchronous CPU work: about a millisecond). */
export function buildTbs(spec: CertSpec, caKey: KeyObject): Buffer {
  const alg = signatureAlgorithmFor(caKey);
  return toDer(
    seq([
      ctx(0, [int(2)]),
      intBytes(spec.serial),
      alg.node,
      raw(spec.issuerName),
      seq([time(spec.notBefore), time(spec.notAfter)]),
      Buffer.isBuffer(spec.subjectName) ? raw(spec.subjectName) : spec.subjectName,
      raw(spec.spki),
      ctx(3, [seq(spec.extensions)]),
    ]),
  );
}

/** Sign a TBSCertificate in the thread pool and wrap it: Certificate ::= SEQUENCE { tbs, alg, signature }. */
export async function signTbs(tbs: Buffer, caKey: KeyObject): Promise<{ der: Buffer; pem: string }> {
  const alg = signatureAlgorithmFor(caKey);
  const signature = await signAsync(alg.hash, tbs, caKey);
  const der = derSequence([tbs, toDer(alg.node), toDer(bits(signature))]);
  return { der, pem: derToPem(der, 'CERTIFICATE') };
}

export async function buildCertificate(spec: CertSpec, caKey: KeyObject): Promise<{ der: Buffer; pem: string }> {
  return signTbs(buildTbs(spec, caKey), caKey);
}
