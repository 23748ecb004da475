/**
 * Certificate rotation with a real CA and a local host: the replaced certificate revoked on
 * request (the CRL then lists its serial, as `openssl crl -text` shows), check mode listing
 * the revocation and the CRL refresh it causes, and the expiry warnings.
 */
import test from 'ava';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { certificateModule, type CertificateArgs } from '../../../src/modules/certificate.js';
import { crlModule } from '../../../src/modules/crl.js';
import { makeCa, openssl } from '../pki/helpers/ca.js';
import { context, LocalHost, removeTempDirs } from '../pki/helpers/local-host.js';

test.after.always(removeTempDirs);

const vars = { fqdn: 'node1.example.com', ansible_host: '198.18.0.11' };

async function setup(name: string, extra: Partial<CertificateArgs> = {}) {
  const ca = await makeCa(`rot-${name}`);
  const dir = join(ca.root, 'host');
  await mkdir(dir, { recursive: true });
  const args: CertificateArgs = { path: join(dir, 'node1.crt'), key_path: join(dir, 'node1.key'), usage: 'both', days: 90, ...extra };
  const warnings: string[] = [];
  const ctx = context(ca.pki, { vars, warnings });
  const host = new LocalHost('node1', vars);
  await certificateModule.apply(host, await certificateModule.plan(host, args, ctx), args, ctx);
  const serial = (await openssl(['x509', '-in', args.path, '-noout', '-serial'])).stdout.trim().replace(/^serial=/, '').toLowerCase();
  return { ...ca, dir, args, ctx, host, serial, warnings };
}

const crlText = async (file: string) => (await openssl(['crl', '-in', file, '-noout', '-text'])).stdout.toLowerCase().replace(/:/g, '');

test('revoke_replaced: the predecessor is revoked as superseded once the new certificate is written; the CRL lists it', async (t) => {
  const { pki, dir, args, ctx, host, serial } = await setup('revoke');
  const rotate = { ...args, force: true, revoke_replaced: true };
  const check = await certificateModule.plan(new LocalHost('node1', vars, true), rotate, ctx);
  t.deepEqual(check.map((c) => [c.action, c.kind, c.target]), [
    ['update', 'file', args.path],
    ['update', 'other', `CA serial ${serial}`],
  ]);
  t.regex(check[1]!.summary, /^revoke the replaced certificate \(serial [0-9a-f]+, CN=node1\) as superseded once its successor is written; the CRL then lists it$/);
  t.is(await pki.revocation(serial), null, 'check mode revoked nothing');
  // The CA knows the check run would revoke it: a later crl task plans the refresh the real run makes.
  const crlPath = join(dir, 'crl.pem');
  const crlCheck = await crlModule.plan(new LocalHost('node1', vars, true), { path: crlPath }, ctx);
  t.deepEqual(crlCheck.map((c) => c.summary), [`refresh the CRL on the bastion (number 2) and publish it to ${crlPath}`]);

  const changes = await certificateModule.plan(host, rotate, ctx);
  const result = await certificateModule.apply(host, changes, rotate, ctx);
  t.deepEqual((result as { revoked?: string[] }).revoked, [serial]);
  t.like(await pki.revocation(serial), { reason: 'superseded' });
  const text = await crlText(join(pki.dir, 'crl.pem'));
  t.true(text.includes(`serial number ${serial}`), text);
  t.true(text.includes('superseded'), text);
  // The successor is valid and not revoked; publishing the CRL to the host then lists the old serial there.
  const fresh = (await openssl(['x509', '-in', args.path, '-noout', '-serial'])).stdout.trim().replace(/^serial=/, '').toLowerCase();
  t.not(fresh, serial);
  t.false(text.includes(`serial number ${fresh}`));
  const crl = await crlModule.plan(host, { path: crlPath }, ctx);
  await crlModule.apply(host, crl, { path: crlPath }, ctx);
  t.true((await crlText(crlPath)).includes(`serial number ${serial}`));
  // Run twice: nothing more to issue or revoke.
  t.deepEqual(await certificateModule.plan(host, { ...args, revoke_replaced: true }, ctx), []);
  t.deepEqual(await crlModule.plan(host, { path: crlPath }, ctx), []);
});

test('without revoke_replaced (the default) the predecessor stays valid; an already revoked one is not revoked again', async (t) => {
  const { pki, args, ctx, host, serial } = await setup('keep');
  const changes = await certificateModule.plan(host, { ...args, force: true }, ctx);
  t.deepEqual(changes.map((c) => c.kind), ['file']);
  await certificateModule.apply(host, changes, { ...args, force: true }, ctx);
  t.is(await pki.revocation(serial), null);
  // Revoked by hand (pki revoke): re-issued because revoked, with nothing more to revoke.
  const second = (await openssl(['x509', '-in', args.path, '-noout', '-serial'])).stdout.trim().replace(/^serial=/, '');
  await pki.revoke(second, 'keyCompromise');
  const again = await certificateModule.plan(host, { ...args, revoke_replaced: true }, ctx);
  t.deepEqual(again.map((c) => c.kind), ['file']);
  t.regex(again[0]!.summary, /revoked by the CA/);
});

test('a kept certificate that expires within hostforge_pki_warn_days is warned about; 0 turns it off', async (t) => {
  const { pki, args, warnings } = await setup('warn', { days: 20, renew_before_days: 5 });
  const plan = (v: Record<string, unknown>) => {
    const w: string[] = [];
    return certificateModule.plan(new LocalHost('node1', v), args, context(pki, { vars: v, warnings: w })).then((c) => ({ c, w }));
  };
  t.deepEqual(warnings, [], 'no warning while issuing');
  const def = await plan(vars);
  t.deepEqual(def.c, []);
  t.is(def.w.length, 1);
  t.regex(def.w[0]!, /^certificate \S+node1\.crt \(serial [0-9a-f]+\) expires on \d{4}-\d\d-\d\d \(in 19 days\), and is not due for renewal yet \(see renew_before_days\)$/);
  t.deepEqual((await plan({ ...vars, hostforge_pki_warn_days: 10 })).w, []);
  t.deepEqual((await plan({ ...vars, hostforge_pki_warn_days: 0 })).w, []);
  await t.throwsAsync(plan({ ...vars, hostforge_pki_warn_days: 'soon' }), { message: /hostforge_pki_warn_days must be a whole number of days/ });
});

test('the CRL on the bastion lists exactly the revoked serials (openssl reads it)', async (t) => {
  const { pki } = await setup('crl');
  const text = await crlText(join(pki.dir, 'crl.pem'));
  t.true(text.includes('no revoked certificates'), text);
  t.is((await readFile(join(pki.dir, 'crl.pem'), 'utf8')).startsWith('-----BEGIN X509 CRL-----'), true);
});
