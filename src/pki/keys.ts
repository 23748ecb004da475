/**
 * Private-key operations, all in node:crypto (OpenSSL, native, off the event loop where
 * it matters). The CA key at rest is PKCS#8 "ENCRYPTED PRIVATE KEY": PBES2 with
 * PBKDF2-HMAC-SHA256 (600 000 iterations by default) and AES-256-CBC, readable by
 * `openssl pkey -in ca.key`.
 */
import { createCipheriv, createHash, createPrivateKey, createPublicKey, generateKeyPair, pbkdf2, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { HostforgeError } from '../errors.js';
import { children, derToPem, parseDer } from './der.js';
import { derToOid, int, nul, oid, octets, seq, toDer, type Node } from './asn1.js';

const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSHA256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
} as const;

export const DEFAULT_KDF_ITERATIONS = 600_000;

export async function generateRsaKey(bits: number): Promise<KeyObject> {
  const gen = promisify(generateKeyPair);
  const { privateKey } = await gen('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return privateKey;
}

/** PKCS#8 PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) PEM of a private key. */
export async function encryptPrivateKey(key: KeyObject, passphrase: string, iterations = DEFAULT_KDF_ITERATIONS): Promise<string> {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const dk = await promisify(pbkdf2)(passphrase, salt, iterations, 32, 'sha256');
  const plain = key.export({ type: 'pkcs8', format: 'der' });
  const cipher = createCipheriv('aes-256-cbc', dk, iv);
  const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
  plain.fill(0);
  dk.fill(0);
  const info = seq([
    seq([
      oid(OID.pbes2),
      seq([
        seq([oid(OID.pbkdf2), seq([octets(salt), int(iterations), seq([oid(OID.hmacWithSHA256), nul()])])]),
        seq([oid(OID.aes256Cbc), octets(iv)]),
      ]),
    ]),
    octets(encrypted),
  ]);
  return derToPem(toDer(info), 'ENCRYPTED PRIVATE KEY');
}

/** Decrypt the CA key; a wrong passphrase is a clear PKI error. */
export function decryptPrivateKey(pem: string, passphrase: string, file: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_OSSL_BAD_DECRYPT' || code === 'ERR_OSSL_EVP_BAD_DECRYPT' || /bad decrypt/i.test(String(err))) {
      throw new HostforgeError('PKI', `wrong CA passphrase: cannot decrypt ${file}`);
    }
    throw new HostforgeError('PKI', `cannot read the CA key ${file}: ${(err as Error).message}`, { cause: err });
  }
}

export function spkiOf(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents. */
export function keyIdentifier(spki: Buffer): Buffer {
  const bitString = children(parseDer(spki))[1];
  if (!bitString || bitString.tag !== 0x03) throw new Error('malformed SubjectPublicKeyInfo');
  return createHash('sha1').update(bitString.body.subarray(1)).digest();
}

/** Our key fingerprint: sha256 hex of the SPKI DER. */
export function publicKeyId(spki: Buffer): string {
  return createHash('sha256').update(spki).digest('hex');
}

export type KeyAlgorithm = 'rsa' | 'ec' | 'ed25519' | 'other';

export function spkiAlgorithm(spki: Buffer): KeyAlgorithm {
  const algId = children(parseDer(spki))[0];
  const o = algId ? children(algId)[0] : undefined;
  if (!o) return 'other';
  const known: Record<string, KeyAlgorithm> = { [OID.rsaEncryption]: 'rsa', [OID.ecPublicKey]: 'ec', [OID.ed25519]: 'ed25519' };
  return known[derToOid(o.body)] ?? 'other';
}

/** The signatureAlgorithm a CA key signs with (sha256). */
export function signatureAlgorithmFor(key: KeyObject): { node: Node; hash: string | null } {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { node: seq([oid(OID.sha256WithRSA), nul()]), hash: 'sha256' };
    case 'ec':
      return { node: seq([oid(OID.ecdsaSha256)]), hash: 'sha256' };
    case 'ed25519':
      return { node: seq([oid(OID.ed25519)]), hash: null };
    default:
      throw new HostforgeError('PKI', `unsupported CA key type ${String(key.asymmetricKeyType)}`);
  }
}

/** Sign in libuv's thread pool: many concurrent signatures never block the event loop. */
export function signAsync(hash: string | null, data: Buffer, key: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign(hash, data, key, (err, sig) => (err ? reject(err) : resolve(sig)));
  });
}

/** Signature algorithms accepted on a CSR (SHA-1/MD5 and RSA-PSS are refused). */
const VERIFY_HASH: Record<string, string | null> = {
  [OID.sha256WithRSA]: 'sha256',
  [OID.sha384WithRSA]: 'sha384',
  [OID.sha512WithRSA]: 'sha512',
  [OID.ecdsaSha256]: 'sha256',
  [OID.ecdsaSha384]: 'sha384',
  [OID.ecdsaSha512]: 'sha512',
  [OID.ed25519]: null,
};

export function verifySignature(algOid: string, data: Buffer, spki: Buffer, signature: Buffer): boolean {
  if (!(algOid in VERIFY_HASH)) throw new HostforgeError('PKI', `unsupported signature algorithm ${algOid}`);
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  return verify(VERIFY_HASH[algOid] ?? null, data, key, signature);
}
