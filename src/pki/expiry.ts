/**
 * Expiry warnings, ahead of time (pure): the CA or a certificate that expires within N days
 * (default 30; `hostforge_pki_warn_days` in a run, `pki list --warn-days N`).
 */
import { InputError } from '../errors.js';

export const DEFAULT_WARN_DAYS = 30;
const DAY = 86_400_000;

/** Days left (rounded down) when `notAfter` falls within `days` from now (negative: expired); null otherwise. */
export function daysLeftWithin(notAfter: string, days: number, now = Date.now()): number | null {
  const t = Date.parse(notAfter);
  if (Number.isNaN(t)) return null;
  const left = t - now;
  return left < days * DAY ? Math.floor(left / DAY) : null;
}

/** "expired on DATE" / "expires on DATE (in N days)", or null when not within `days`. */
export function expiryText(notAfter: string, days: number, now = Date.now()): string | null {
  const left = daysLeftWithin(notAfter, days, now);
  if (left === null) return null;
  const date = notAfter.slice(0, 10);
  if (Date.parse(notAfter) <= now) return `expired on ${date}`;
  return `expires on ${date} (in ${left === 0 ? 'less than a day' : `${left} day${left === 1 ? '' : 's'}`})`;
}

export function caExpiryWarning(ca: { subject: string; notAfter: string }, dir: string, days: number, now = Date.now()): string | null {
  const when = expiryText(ca.notAfter, days, now);
  return when && `the CA "${ca.subject}" (${dir}) ${when}: every certificate it issued stops being valid then; make a new CA and re-issue them before`;
}

/** The warning window from a variable or option value: a whole number of days, 0 turns warnings off. */
export function warnDays(value: unknown, what: string): number {
  if (value === undefined || value === null || value === '') return DEFAULT_WARN_DAYS;
  const n = typeof value === 'number' ? value : /^\d+$/.test(String(value).trim()) ? Number(String(value).trim()) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 36_500) throw new InputError(`${what} must be a whole number of days (0 to 36500), not ${JSON.stringify(value)}`);
  return n;
}
