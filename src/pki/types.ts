/**
 * The bastion-side certificate authority as modules see it (ModuleContext.pki()).
 * Owned by pki/: refine freely, but keep it the only thing modules import from pki/.
 */
export interface SignRequest {
  /** DNS names for subjectAltName. */
  dns: string[];
  /** IP addresses for subjectAltName. */
  ips: string[];
  usage: 'server' | 'client' | 'both';
  days: number;
}

export interface PkiService {
  /** Verify the CSR's signature, sign it with the CA, record it; returns the cert PEM. */
  signCsr(csrPem: string, req: SignRequest): Promise<string>;
  /** The CA certificate PEM. */
  caCertPem(): Promise<string>;
  /** The current CRL PEM (regenerated if missing or stale). */
  crlPem(): Promise<string>;
}
