/**
 * Read a certificate into plain data (CertInfo), checking it against a CA.
 */
import { decodeTime, derToOid } from './asn1.js';
import { children, parseDer, pemToDer, type Tlv } from './der.js';
import { parseExtensions } from './extensions.js';
import { publicKeyId, verifySignature } from './keys.js';
import { parseName, sameName } from './names.js';
import type { CertInfo, DnAttr } from './types.js';

export interface CaIdentity {
  subject: DnAttr[];
  spki: Buffer;
}

export function serialHex(body: Buffer): string {
  let b = body;
  while (b.length > 1 && b[0] === 0) b = b.subarray(1);
  return b.toString('hex');
}

export interface ParsedCert {
  info: Omit<CertInfo, 'issuedByCa'>;
  tbs: Tlv;
  sigAlgOid: string;
  signature: Buffer;
  subjectDer: Buffer;
  spki: Buffer;
}

/** Structural parse; throws on anything malformed. */
export function parseCertDer(der: Buffer): ParsedCert {
  const [tbs, algId, sig] = children(parseDer(der));
  if (!tbs || !algId || !sig || sig.tag !== 0x03) throw new Error('not a certificate');
  const f = children(tbs);
  const i = f[0]?.tag === 0xa0 ? 1 : 0;
  const serial = f[i];
  const issuer = f[i + 2];
  const validity = f[i + 3];
  const subject = f[i + 4];
  const spki = f[i + 5];
  if (!serial || !issuer || !validity || !subject || !spki) throw new Error('truncated TBSCertificate');
  const [nb, na] = children(validity);
  if (!nb || !na) throw new Error('malformed validity');
  const extsWrapper = f.slice(i + 6).find((t) => t.tag === 0xa3);
  const ext = parseExtensions(extsWrapper ? children(extsWrapper)[0] : undefined);
  return {
    info: {
      serial: serialHex(serial.body),
      subject: parseName(subject),
      issuer: parseName(issuer),
      dns: ext.dns,
      ips: ext.ips,
      usage: ext.usage,
      isCa: ext.isCa,
      notBefore: decodeTime(nb.tag, nb.body).toISOString(),
      notAfter: decodeTime(na.tag, na.body).toISOString(),
      publicKeyId: publicKeyId(spki.raw),
    },
    tbs,
    sigAlgOid: derToOid(children(algId)[0]!.body),
    signature: sig.body.subarray(1),
    subjectDer: subject.raw,
    spki: spki.raw,
  };
}

/** CertInfo of the first certificate in `pem`, or null when there is none or it is malformed. */
export function inspectCert(pem: string, ca: CaIdentity): CertInfo | null {
  let p: ParsedCert;
  try {
    p = parseCertDer(pemToDer(pem, ['CERTIFICATE']));
  } catch {
    return null;
  }
  let issuedByCa = false;
  if (sameName(p.info.issuer, ca.subject)) {
    try {
      issuedByCa = verifySignature(p.sigAlgOid, p.tbs.raw, ca.spki, p.signature);
    } catch {
      issuedByCa = false;
    }
  }
  return { ...p.info, issuedByCa };
}
