/**
 * Certificate revocation lists. node-forge cannot build CRLs, so generation is
 * @peculiar/x509's (WebCrypto from node:crypto); reading is our DER walker, sync.
 */
import { webcrypto, type KeyObject } from 'node:crypto';
import { decodeTime, derToOid, int, toDer } from './asn1.js';
import { children, derToPem, parseDer, pemToDer, type Tlv } from './der.js';
import { OID } from './extensions.js';
import { serialHex, type CaIdentity } from './inspect.js';
import { verifySignature } from './keys.js';
import { parseName, sameName } from './names.js';
import type { CrlInfo } from './types.js';

type X509 = typeof import('@peculiar/x509');
let x509Lib: Promise<X509> | undefined;
/** @peculiar/x509 (with reflect-metadata, ~180 ms to load) only when a CRL is built. */
function loadX509(): Promise<X509> {
  x509Lib ??= import('reflect-metadata').then(() => import('@peculiar/x509')).then((x509) => {
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  });
  return x509Lib;
}

import { REVOCATION_REASONS, type RevocationReason } from './reasons.js';
export { REVOCATION_REASONS, type RevocationReason };

export interface CrlEntry {
  serial: string; // hex
  date: string; // ISO
  reason: RevocationReason;
}

export interface CrlSpec {
  issuerName: Buffer; // CA subject Name DER
  caKeyId: Buffer;
  caKey: KeyObject; // RSA
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: readonly CrlEntry[];
}

export async function buildCrl(spec: CrlSpec): Promise<string> {
  if (spec.caKey.asymmetricKeyType !== 'rsa') throw new Error('CRL signing supports RSA CA keys only');
  const pkcs8 = spec.caKey.export({ type: 'pkcs8', format: 'der' });
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']);
  pkcs8.fill(0);
  const x509 = await loadX509();
  const crl = await x509.X509CrlGenerator.create({
    issuer: new x509.Name(spec.issuerName),
    thisUpdate: spec.thisUpdate,
    nextUpdate: spec.nextUpdate,
    signingAlgorithm: alg,
    signingKey: signingKey as unknown as import('@peculiar/x509').X509CrlCreateParams['signingKey'],
    extensions: [
      new x509.AuthorityKeyIdentifierExtension(spec.caKeyId.toString('hex')),
      new x509.Extension(OID.crlNumber, false, toDer(int(spec.number))),
    ],
    entries: spec.entries.map((e) => ({
      serialNumber: e.serial,
      revocationDate: new Date(e.date),
      reason: x509.X509CrlReason[e.reason],
    })),
  });
  // x509 labels it "CRL"; OpenSSL and RFC 7468 want "X509 CRL".
  return derToPem(Buffer.from(crl.rawData), 'X509 CRL');
}

/** Parse a CRL PEM; null when malformed. `issuedByCa` checks issuer name and signature. */
export function inspectCrl(pem: string, ca: CaIdentity): CrlInfo | null {
  try {
    const [tbs, algId, sig] = children(parseDer(pemToDer(pem, ['X509 CRL', 'CRL'])));
    if (!tbs || !algId || !sig) return null;
    const f = children(tbs);
    let i = f[0]?.tag === 0x02 ? 1 : 0; // version
    i++; // signature algorithm
    const issuer = f[i++]!;
    const thisUpdate = f[i++]!;
    let nextUpdate: Tlv | undefined;
    if (f[i] && (f[i]!.tag === 0x17 || f[i]!.tag === 0x18)) nextUpdate = f[i++];
    const revoked: string[] = [];
    if (f[i] && f[i]!.tag === 0x30) {
      for (const entry of children(f[i++]!)) revoked.push(serialHex(children(entry)[0]!.body));
    }
    let number = 0;
    const extsWrapper = f[i]?.tag === 0xa0 ? f[i] : undefined;
    if (extsWrapper) {
      for (const e of children(children(extsWrapper)[0]!)) {
        const parts = children(e);
        if (derToOid(parts[0]!.body) === OID.crlNumber) number = Number.parseInt(parseDer(parts[parts.length - 1]!.body).body.toString('hex'), 16);
      }
    }
    let issuedByCa = false;
    if (sameName(parseName(issuer), ca.subject) && sig.tag === 0x03) {
      try {
        issuedByCa = verifySignature(derToOid(children(algId)[0]!.body), tbs.raw, ca.spki, sig.body.subarray(1));
      } catch {
        issuedByCa = false;
      }
    }
    return {
      number,
      thisUpdate: decodeTime(thisUpdate.tag, thisUpdate.body).toISOString(),
      nextUpdate: nextUpdate ? decodeTime(nextUpdate.tag, nextUpdate.body).toISOString() : null,
      revoked: revoked.sort(),
      issuedByCa,
    };
  } catch {
    return null;
  }
}
