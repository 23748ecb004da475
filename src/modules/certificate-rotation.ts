/**
 * Certificate rotation, for the certificate module (pure planning + one apply step):
 * - `revoke_replaced: true`: when a certificate our CA issued is re-issued, its predecessor
 *   is revoked (reason superseded) on the bastion once the successor is written, and the
 *   CRL regenerated; the next `crl` task publishes it. Check mode lists the revocation, and
 *   tells the CA (predictRevocation) so that a later crl task plans the refresh too.
 * - a certificate that stays (not re-issued) but expires within the warning window
 *   (`hostforge_pki_warn_days`, default 30) is warned about.
 */
import { expiryText, warnDays } from '../pki/expiry.js';
import type { CertInfo, PkiService } from '../pki/types.js';
import type { Change, Vars } from './types.js';

const subjectText = (c: CertInfo): string => c.subject.map((a) => `${a.type}=${a.value}`).join(', ');

/** The revocation of the certificate being replaced, or null (not asked, not ours, already revoked, nothing replaced). */
export function revokeReplacedChange(current: CertInfo | null, alreadyRevoked: boolean, issuing: boolean, asked: boolean | undefined): Change | null {
  if (asked !== true || !issuing || !current || !current.issuedByCa || alreadyRevoked) return null;
  return {
    action: 'update',
    kind: 'other',
    target: `CA serial ${current.serial}`,
    summary: `revoke the replaced certificate (serial ${current.serial}, ${subjectText(current)}) as superseded once its successor is written; the CRL then lists it`,
    data: { op: 'revoke', serial: current.serial },
  };
}

/** Plan time: the CA learns what this run will revoke (so the crl task's plan is exact in check mode). */
export function predictRevocations(pki: PkiService, changes: readonly Change[]): void {
  for (const c of changes) if (c.data?.op === 'revoke') pki.predictRevocation(String(c.data.serial));
}

/** Apply time, after the new certificate is written: revoke each planned predecessor. */
export async function revokeReplaced(pki: PkiService, changes: readonly Change[]): Promise<string[]> {
  const done: string[] = [];
  for (const c of changes) {
    if (c.data?.op !== 'revoke') continue;
    const serial = String(c.data.serial);
    await pki.revokeSerial(serial, 'superseded');
    done.push(serial);
  }
  return done;
}

/** A warning for a certificate that is kept but expires within the window; null otherwise. */
export function keptCertificateWarning(path: string, current: CertInfo | null, issuing: boolean, vars: Vars, now = Date.now()): string | null {
  if (issuing || !current) return null;
  const days = warnDays(vars.hostforge_pki_warn_days, 'hostforge_pki_warn_days');
  if (days === 0) return null;
  const when = expiryText(current.notAfter, days, now);
  return when && `certificate ${path} (serial ${current.serial}) ${when}, and is not due for renewal yet (see renew_before_days)`;
}
