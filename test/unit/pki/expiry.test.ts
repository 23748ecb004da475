/** Expiry warnings ahead of time: the texts, `pki list --warn-days`, and a run's CA warning. */
import test from 'ava';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerPkiCommands } from '../../../src/cli/pki.js';
import { expiryWarnings } from '../../../src/cli/pki-list.js';
import { openRunCas } from '../../../src/engine/pki-dir.js';
import { caExpiryWarning, daysLeftWithin, expiryText, warnDays } from '../../../src/pki/expiry.js';
import { fixedPassphrase } from '../../../src/pki/passphrase.js';
import { initPki, type ListedCert } from '../../../src/pki/service.js';
import { removeTempDirs, tempDir } from './helpers/local-host.js';

test.after.always(removeTempDirs);

const DAY = 86_400_000;
const now = Date.parse('2026-12-03T12:00:00Z');
const at = (days: number) => new Date(now + days * DAY).toISOString();

test('expiry texts', (t) => {
  t.is(expiryText(at(40), 30, now), null);
  t.is(expiryText(at(29.5), 30, now), 'expires on 2027-01-02 (in 29 days)');
  t.is(expiryText(at(1), 30, now), 'expires on 2026-12-04 (in 1 day)');
  t.is(expiryText(at(0.2), 30, now), 'expires on 2026-12-03 (in less than a day)');
  t.is(expiryText(at(-3), 30, now), 'expired on 2026-11-30');
  t.is(daysLeftWithin('not a date', 30, now), null);
  t.regex(caExpiryWarning({ subject: 'CN=cluster-a CA', notAfter: at(10) }, '/srv/a', 30, now)!, /^the CA "CN=cluster-a CA" \(\/srv\/a\) expires on 2026-12-13 \(in 10 days\): every certificate it issued stops being valid then/);
  t.is(warnDays(undefined, 'x'), 30);
  t.is(warnDays('7', 'x'), 7);
  t.is(warnDays(0, 'x'), 0);
  t.throws(() => warnDays(-1, 'x'), { message: /x must be a whole number of days/ });
});

const cert = (serial: string, cn: string, notAfter: string, status: ListedCert['status'] = 'valid'): ListedCert => ({
  serial, subject: [{ type: 'CN', value: cn }], dns: [], ips: [], usage: 'server', notBefore: at(-100), notAfter, issued: at(-100), requester: 'test', status,
});

test('list warnings: the CA, then valid certificates not renewed yet', (t) => {
  const ca = { subject: 'CN=CA', notAfter: at(3000), dir: '/p' };
  const certs = [cert('01', 'a', at(10)), cert('02', 'a', at(300)), cert('03', 'b', at(5)), cert('04', 'c', at(2), 'revoked'), cert('05', 'd', at(200))];
  t.deepEqual(expiryWarnings(ca, certs, 30, now), ['certificate 03 (CN=b) expires on 2026-12-08 (in 5 days)']);
  t.deepEqual(expiryWarnings({ ...ca, notAfter: at(20) }, certs, 30, now).length, 2);
  t.deepEqual(expiryWarnings({ ...ca, notAfter: at(20) }, certs, 0, now), []);
});

test('pki list: the CA and certificates expiring within --warn-days (default 30) are warned about', async (t) => {
  const root = await tempDir('expiry-cli');
  const env = { HOSTFORGE_CA_PASSPHRASE: 'expiry passphrase', HOSTFORGE_PKI_DIR: join(root, 'pki') };
  const out: string[] = [];
  const err: string[] = [];
  const run = async (...argv: string[]) => {
    const program = new Command('hostforge').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    registerPkiCommands(program, { out: (s) => void out.push(s), err: (s) => void err.push(s), env });
    out.length = 0;
    err.length = 0;
    await program.parseAsync(['node', 'hostforge', ...argv]);
    return { out: out.join(''), err: err.join('') };
  };
  await run('pki', 'init', '--days', '20', '--key-size', '2048');
  await run('pki', 'issue', 'soon', '--usage', 'client', '--days', '7', '--out', join(root, 'soon'));
  await run('pki', 'issue', 'later', '--usage', 'client', '--days', '365', '--out', join(root, 'later'));
  const listed = await run('pki', 'list');
  t.regex(listed.out, /CN=soon\s.*valid, expires on \d{4}-\d\d-\d\d \(in 6 days\)/);
  t.regex(listed.out, /CN=later\s.*valid\n/);
  const lines = listed.err.trim().split('\n');
  t.is(lines.length, 2, listed.err);
  t.regex(lines[0]!, /^warning: the CA "CN=hostforge CA" \(.*pki\) expires on \d{4}-\d\d-\d\d \(in 19 days\)/);
  t.regex(lines[1]!, /^warning: certificate [0-9a-f]+ \(CN=soon\) expires on .* \(in 6 days\)$/);
  t.deepEqual((await run('pki', 'list', '--warn-days', '5')).err, '');
  t.regex((await run('pki', 'list', '--json')).err, /warning: the CA/);
});

test("a run warns about each of its CAs that expires within the hosts' hostforge_pki_warn_days", async (t) => {
  const root = await tempDir('expiry-run');
  const soon = await initPki(join(root, 'a'), fixedPassphrase('passphrase A'), { days: 12, keySize: 2048, kdfIterations: 1000 });
  const later = await initPki(join(root, 'b'), fixedPassphrase('passphrase B'), { days: 400, keySize: 2048, kdfIterations: 1000 });
  const vars: Record<string, Record<string, unknown>> = {
    a1: { hostforge_pki_dir: soon.dir },
    b1: { hostforge_pki_dir: later.dir, hostforge_pki_warn_days: 500 },
    b2: { hostforge_pki_dir: later.dir },
  };
  const inv = { hosts: () => Object.keys(vars), hostVars: (h: string) => vars[h]!, groupNames: () => [], groupMembers: () => [], groups: () => [] };
  const run = { extraVars: {}, playbookDir: root, check: false, revealed: new Set<string>() };
  const opened: (string | undefined)[] = [];
  const pki = (dir?: string) => {
    opened.push(dir);
    return Promise.resolve(dir === soon.dir ? soon : later);
  };
  const warnings = await openRunCas(['a1', 'b1', 'b2'], inv, run, pki);
  t.deepEqual(opened, [soon.dir, later.dir], 'each CA opened once');
  t.is(warnings.length, 2);
  t.regex(warnings[0]!, /CN=hostforge CA.* expires on .* \(in 11 days\)/);
  t.regex(warnings[1]!, /\(in 399 days\)/, 'the widest window of the hosts sharing a CA wins');
});
