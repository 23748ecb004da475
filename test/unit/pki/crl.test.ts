import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixedPassphrase } from '../../../src/pki/passphrase.js';
import { openPki } from '../../../src/pki/service.js';
import { makeCa, openssl, PASS } from './helpers/ca.js';
import { removeTempDirs } from './helpers/local-host.js';

test.after.always(removeTempDirs);

async function issue(pki: Awaited<ReturnType<typeof makeCa>>['pki'], root: string, cn: string): Promise<{ serial: string; path: string }> {
  const r = await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(root, `${cn}.key`), '-subj', `/CN=${cn}`, '-out', join(root, `${cn}.csr`)]);
  if (r.code !== 0) throw new Error(r.stderr);
  const s = await pki.signCsrDetailed(await readFile(join(root, `${cn}.csr`), 'utf8'), { dns: [cn], ips: [], usage: 'both', days: 30 });
  await writeFile(join(root, `${cn}.crt`), s.pem);
  return { serial: s.entry.serial, path: join(root, `${cn}.crt`) };
}

test('revoke → CRL verifies against the CA, lists the serial with its reason; -crl_check refuses the revoked cert only', async (t) => {
  const { pki, dir, root } = await makeCa('revoke');
  const a = await issue(pki, root, 'alpha');
  const b = await issue(pki, root, 'beta');
  const revoked = await pki.revoke(a.serial, 'keyCompromise');
  t.deepEqual(revoked.map((c) => c.serial), [a.serial]);

  const crl = join(dir, 'crl.pem');
  const v = await openssl(['crl', '-in', crl, '-CAfile', join(dir, 'ca.crt'), '-noout', '-text']);
  t.is(v.code, 0, v.stderr);
  t.regex(v.stderr, /verify OK/);
  t.true(v.stdout.includes(`Serial Number: ${a.serial.toUpperCase()}`), v.stdout);
  t.false(v.stdout.toLowerCase().includes(b.serial));
  t.regex(v.stdout, /Key Compromise/);
  t.regex(v.stdout, /X509v3 CRL Number: \n\s+2\n/);
  t.regex(v.stdout, /Authority Key Identifier/);

  const refused = await openssl(['verify', '-crl_check', '-CAfile', join(dir, 'ca.crt'), '-CRLfile', crl, a.path]);
  t.not(refused.code, 0);
  t.regex(refused.stdout + refused.stderr, /certificate revoked/);
  const accepted = await openssl(['verify', '-crl_check', '-CAfile', join(dir, 'ca.crt'), '-CRLfile', crl, b.path]);
  t.is(accepted.code, 0, accepted.stderr);

  const list = await pki.list();
  t.deepEqual(
    list.map((c) => [c.serial, c.status, c.revoked?.reason]),
    [
      [a.serial, 'revoked', 'keyCompromise'],
      [b.serial, 'valid', undefined],
    ],
  );
});

test('revoke by name revokes every valid cert of that name; unknown and already revoked are errors', async (t) => {
  const { pki, root } = await makeCa('byname');
  const one = await issue(pki, root, 'node3');
  const two = await issue(pki, root, 'node3');
  const other = await issue(pki, root, 'node4');
  const revoked = await pki.revoke('node3', 'superseded');
  t.deepEqual(revoked.map((c) => c.serial).sort(), [one.serial, two.serial].sort());
  const state = await pki.crlState();
  t.deepEqual(state.revoked, [one.serial, two.serial].sort());
  t.false(state.stale);
  t.is(state.number, 2);
  t.true(state.issuedByCa);
  await t.throwsAsync(pki.revoke('node3'), { message: /already revoked/ });
  await t.throwsAsync(pki.revoke('nosuchhost'), { message: /no issued certificate matches/ });
  // Serial with colons and upper case works too.
  const colons = other.serial.toUpperCase().match(/../g)!.join(':');
  t.deepEqual((await pki.revoke(colons)).map((c) => c.serial), [other.serial]);
  t.is((await pki.crlState()).number, 3);
  // Serials compare as numbers: leading zeros (and a leading zero nibble) do not matter.
  const fourth = await issue(pki, root, 'node5');
  t.deepEqual((await pki.revoke(`000${fourth.serial}`)).map((c) => c.serial), [fourth.serial]);
});

test('crlState: stale when behind the index, missing, or inside the last third of its life; refreshCrl regenerates once', async (t) => {
  const { dir } = await makeCa('stale');
  let now = new Date();
  const pki = await openPki(dir, fixedPassphrase(PASS), { now: () => now });
  t.false((await pki.crlState()).stale);
  // 30-day CRL: after 21 days it has 9 left (< 10) → stale.
  now = new Date(Date.now() + 21 * 86_400_000);
  t.true((await pki.crlState()).stale);
  const [a, b] = await Promise.all([pki.refreshCrl(), pki.refreshCrl()]);
  t.is(a.number, 2);
  t.is(b.number, 2, 'concurrent refreshes share one regeneration');
  t.false(a.stale);
  // Missing file → stale.
  await writeFile(join(dir, 'crl.pem'), '');
  t.true((await pki.crlState()).stale);
  t.is((await pki.refreshCrl()).number, 3);
  // CRL lifetime is configurable and kept.
  const s = await pki.generateCrl({ days: 7 });
  t.is(Date.parse(s.nextUpdate!) - Date.parse(s.thisUpdate), 7 * 86_400_000);
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { crlDays: number };
  t.is(index.crlDays, 7);
});

test('inspectCrl: ours, another CA, garbage', async (t) => {
  const a = await makeCa('crl-a');
  const b = await makeCa('crl-b');
  const pem = (await a.pki.crlState()).pem;
  t.true(a.pki.inspectCrl(pem)!.issuedByCa);
  t.false(b.pki.inspectCrl(pem)!.issuedByCa);
  t.is(a.pki.inspectCrl('nope'), null);
});
