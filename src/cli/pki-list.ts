/** `hostforge pki list`: the table, and warnings about what expires soon (CA first). */
import { caExpiryWarning, expiryText } from '../pki/expiry.js';
import { formatName } from '../pki/names.js';
import type { ListedCert } from '../pki/service.js';

function sans(c: { dns: string[]; ips: string[] }): string {
  const all = [...c.dns.map((d) => `DNS:${d}`), ...c.ips.map((i) => `IP:${i}`)];
  return all.length > 0 ? all.join(', ') : '(none)';
}

export function renderList(certs: readonly ListedCert[], warnDays = 0, now = Date.now()): string {
  if (certs.length === 0) return 'no certificates issued yet\n';
  const rows = certs.map((c) => {
    const soon = c.status === 'valid' && warnDays > 0 ? expiryText(c.notAfter, warnDays, now) : null;
    return [
      c.serial,
      formatName(c.subject),
      sans(c),
      c.notAfter.slice(0, 10),
      c.status === 'revoked' ? `revoked ${c.revoked!.date.slice(0, 10)} (${c.revoked!.reason})` : soon ? `${c.status}, ${soon}` : c.status,
    ];
  });
  const head = ['SERIAL', 'SUBJECT', 'SANS', 'NOT AFTER', 'STATUS'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

/**
 * The CA when it expires within `days`, then every valid certificate that does, unless a
 * newer valid certificate with the same subject outlives the window (it was already renewed).
 */
export function expiryWarnings(ca: { subject: string; notAfter: string; dir: string }, certs: readonly ListedCert[], days: number, now = Date.now()): string[] {
  if (days <= 0) return [];
  const out: string[] = [];
  const caWarning = caExpiryWarning(ca, ca.dir, days, now);
  if (caWarning) out.push(caWarning);
  const subject = (c: ListedCert): string => formatName(c.subject);
  for (const c of certs) {
    if (c.status !== 'valid') continue;
    const when = expiryText(c.notAfter, days, now);
    if (!when) continue;
    const renewed = certs.some((o) => o !== c && o.status === 'valid' && subject(o) === subject(c) && expiryText(o.notAfter, days, now) === null);
    if (!renewed) out.push(`certificate ${c.serial} (${subject(c)}) ${when}`);
  }
  return out;
}
