/**
 * The bastion-side certificate authority as modules see it (ModuleContext.pki()).
 * Owned by pki/: the only thing modules import from pki/. Everything here is plain
 * data, so planners can be table-tested without a CA.
 *
 * Opening the service reads only public files (ca.crt, the index, crl.pem); the CA key
 * is decrypted on first use by signCsr() or refreshCrl(), so a check run never asks
 * for the passphrase.
 */
export type CertUsage = 'server' | 'client' | 'both';

/** One attribute of a distinguished name: a short name (CN, O, OU, C, ST, L, DC, emailAddress) or a dotted OID. */
export interface DnAttr {
  type: string;
  value: string;
}

export interface SignRequest {
  /**
   * The subject the CA puts in the certificate. The bastion decides it: a host's CSR
   * only proves possession of the key. Omitted: the CSR's own subject (`pki sign`).
   */
  subject?: DnAttr[];
  /** DNS names for subjectAltName. */
  dns: string[];
  /** IP addresses for subjectAltName. */
  ips: string[];
  usage: CertUsage;
  days: number;
  /** Who asked (host name, "cli"): recorded in the index. */
  requester?: string;
}

/** What a certificate says, parsed (any key type). Times are ISO strings. */
export interface CertInfo {
  serial: string; // lowercase hex, no leading zero byte
  subject: DnAttr[];
  issuer: DnAttr[];
  /** Issuer name equals our CA's subject AND the signature verifies with our CA's key. */
  issuedByCa: boolean;
  dns: string[]; // lowercased, sorted, unique
  ips: string[]; // canonical text, sorted, unique
  /** From extendedKeyUsage: serverAuth → server, clientAuth → client, both → both, none → null. */
  usage: CertUsage | null;
  isCa: boolean;
  notBefore: string;
  notAfter: string;
  /** sha256 hex of the SubjectPublicKeyInfo DER: compare with publicKeyId(). */
  publicKeyId: string;
}

export interface CrlInfo {
  number: number;
  thisUpdate: string;
  nextUpdate: string | null;
  revoked: string[]; // serials, lowercase hex
  issuedByCa: boolean;
}

export interface CrlState extends CrlInfo {
  pem: string;
  /** The CRL on the bastion must be regenerated (missing, behind the index, or near nextUpdate). */
  stale: boolean;
}

/** A host's public key recorded on the bastion by the keypair module (for keyrings). */
export interface HostKeyRecord {
  type: string; // "ed25519", "rsa", ...
  publicKeyPem: string;
  recorded: string; // ISO
}

export interface PkiService {
  /** The CA certificate PEM. */
  caCertPem(): Promise<string>;
  /** When and why the CA revoked the certificate with this serial (hex); null when it did not. */
  revocation(serial: string): Promise<{ date: string; reason: string } | null>;
  /** Verify the CSR's signature, sign it with the CA, record it; returns the cert PEM. */
  signCsr(csrPem: string, req: SignRequest): Promise<string>;
  /** Parse a certificate (PEM); null when it cannot be parsed. Pure, no key needed. */
  inspectCert(pem: string): CertInfo | null;
  /** sha256 hex of a public key's SubjectPublicKeyInfo (PEM "PUBLIC KEY"); null if unparseable. */
  publicKeyId(publicKeyPem: string): string | null;
  /** Parse a CRL (PEM) and check it against our CA; null when unparseable. */
  inspectCrl(pem: string): CrlInfo | null;
  /** The CRL on the bastion as it is now (read-only; see `stale`). */
  crlState(): Promise<CrlState>;
  /** Regenerate the CRL if stale (decrypts the CA key); concurrent callers share one run. */
  refreshCrl(): Promise<CrlState>;
  /** The current CRL PEM, regenerated first if stale. */
  crlPem(): Promise<string>;
  /**
   * The public key recorded for a host, or null. In a check run, 'pending' when the
   * keypair task predicted a key that is not generated yet (see predictHostKey).
   */
  hostKey(host: string): Promise<HostKeyRecord | 'pending' | null>;
  /** Record a host's public key (never a private key: anything else is refused). */
  recordHostKey(host: string, type: string, publicKeyPem: string): Promise<void>;
  /**
   * Check mode: what a keypair task would record (null: a key not generated yet).
   * Kept in memory for this run only, so a later keyring task plans what the real run does.
   */
  predictHostKey(host: string, type: string, publicKeyPem: string | null): void;
  /**
   * Revoke a certificate the CA issued, by serial (a re-issued certificate's predecessor),
   * then regenerate the CRL. A serial already revoked is left as it is (no error).
   */
  revokeSerial(serial: string, reason: 'superseded' | 'keyCompromise' | 'unspecified'): Promise<void>;
  /**
   * This run will revoke `serial` (planned, not done): crlState() counts it as revoked, so a
   * later crl task plans the refresh the real run then makes. In memory, for this run only.
   */
  predictRevocation(serial: string): void;
  /** The CA certificate's subject, validity and directory (for expiry warnings). */
  caValidity(): { subject: string; notAfter: string; dir: string };
}
