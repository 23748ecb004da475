import test from 'ava';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crlModule, type CrlArgs } from '../../../src/modules/crl.js';
import { fixedPassphrase } from '../../../src/pki/passphrase.js';
import { openPki } from '../../../src/pki/service.js';
import { makeCa, openssl, PASS } from '../pki/helpers/ca.js';
import { context, LocalHost, removeTempDirs } from '../pki/helpers/local-host.js';

test.after.always(removeTempDirs);

test('publish, run twice, then a revocation publishes the new CRL (check mode first)', async (t) => {
  const { pki, dir, root } = await makeCa('crlmod');
  const args: CrlArgs = { path: join(root, 'crl.pem') };
  const host = new LocalHost('node1');
  const ctx = context(pki);

  const check = await crlModule.plan(new LocalHost('node1', {}, true), args, ctx);
  t.deepEqual(check.map((c) => c.summary), [`publish CRL number 1 to ${args.path}: missing`]);
  const real = await crlModule.plan(host, args, ctx);
  t.deepEqual(real, check);
  await crlModule.apply(host, real, args, ctx);
  t.is(await readFile(args.path, 'utf8'), await readFile(join(dir, 'crl.pem'), 'utf8'));
  t.is((await stat(args.path)).mode & 0o777, 0o644);
  t.deepEqual(await crlModule.plan(host, args, ctx), []);

  // Revoke something: the host's CRL is now older than the CA's.
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(root, 'x.key'), '-subj', '/CN=x', '-out', join(root, 'x.csr')]);
  const issued = await pki.signCsrDetailed(await readFile(join(root, 'x.csr'), 'utf8'), { dns: [], ips: [], usage: 'client', days: 10 });
  await pki.revoke(issued.entry.serial);
  const after = await crlModule.plan(host, args, ctx);
  t.deepEqual(after.map((c) => c.summary), [`publish CRL number 2 to ${args.path}: CRL number 1 < 2`]);
  t.regex(after[0]!.before!, /revoked: none/);
  t.regex(after[0]!.after!, new RegExp(`revoked: ${issued.entry.serial}`));
  await crlModule.apply(host, after, args, ctx);
  const v = await openssl(['crl', '-in', args.path, '-CAfile', join(dir, 'ca.crt'), '-noout', '-text']);
  t.is(v.code, 0);
  t.true(v.stdout.includes(issued.entry.serial.toUpperCase()));
  t.deepEqual(await crlModule.plan(host, args, ctx), []);
});

test('a CRL near its nextUpdate is refreshed on the bastion and published; a foreign CRL is replaced', async (t) => {
  const { dir, root } = await makeCa('crlstale');
  let now = new Date();
  const pki = await openPki(dir, fixedPassphrase(PASS), { now: () => now });
  const args: CrlArgs = { path: join(root, 'crl.pem') };
  const host = new LocalHost('node1');
  const ctx = context(pki);
  await crlModule.apply(host, await crlModule.plan(host, args, ctx), args, ctx);

  now = new Date(Date.now() + 25 * 86_400_000);
  const stale = await crlModule.plan(host, args, ctx);
  t.deepEqual(stale.map((c) => c.summary), [`refresh the CRL on the bastion (number 2) and publish it to ${args.path}`]);
  t.is(stale[0]!.data?.predicted, false);
  await crlModule.apply(host, stale, args, ctx);
  const info = pki.inspectCrl(await readFile(args.path, 'utf8'))!;
  t.is(info.number, 2);
  t.deepEqual(await crlModule.plan(host, args, ctx), []);

  const other = await makeCa('crlforeign');
  await writeFile(args.path, (await other.pki.crlState()).pem);
  const foreign = await crlModule.plan(host, args, ctx);
  t.regex(foreign[0]!.summary, /not issued by our CA/);
});
