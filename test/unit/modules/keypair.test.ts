import test from 'ava';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { base58, keypairModule, publicKeyBase58, type KeypairArgs } from '../../../src/modules/keypair.js';
import { openPki } from '../../../src/pki/service.js';
import { makeCa, openssl } from '../pki/helpers/ca.js';
import { context, LocalHost, removeTempDirs } from '../pki/helpers/local-host.js';

test.after.always(removeTempDirs);

test('base58 (Bitcoin alphabet, leading zeros as 1)', (t) => {
  t.is(base58(Buffer.from('Hello World!')), '2NEpo7TZRRrLZSi2U');
  t.is(base58(Buffer.from([0, 0, 1])), '112');
  t.is(base58(Buffer.alloc(0)), '');
});

test('keypair: made on the host (0600), public key written, returned and recorded; second run no change', async (t) => {
  const { pki, root } = await makeCa('keypair');
  const args: KeypairArgs = { path: join(root, 'node.key') };
  const ctx = context(pki);

  const check = await keypairModule.plan(new LocalHost('node1', {}, true), args, ctx);
  t.deepEqual(check.map((c) => c.summary), [
    `generate Ed25519 keypair ${args.path} (on host)`,
    `write public key ${args.path}.pub`,
    'record the public key of node1 on the bastion (for keyrings)',
  ]);
  t.is(await pki.hostKey('node1'), 'pending', 'check mode predicts a key not made yet');

  // A new run (a fresh CA object): the check run's predictions are gone. No passphrase is needed.
  const fresh = await openPki(pki.dir, () => Promise.reject(new Error('no passphrase needed')));
  const ctx2 = context(fresh);
  const host = new LocalHost('node1');
  const changes = await keypairModule.plan(host, args, ctx2);
  t.deepEqual(changes.map((c) => c.summary), check.map((c) => c.summary));
  const result = await keypairModule.apply(host, changes, args, ctx2);
  t.is((await stat(args.path)).mode & 0o777, 0o600);
  const pub = await readFile(`${args.path}.pub`, 'utf8');
  t.is((await openssl(['pkey', '-in', args.path, '-pubout'])).stdout, pub);
  t.is(result && result.public_key, pub);
  t.is(result && result.public_key_base58, publicKeyBase58(pub));
  t.is(String(result && result.public_key_base58).length >= 43, true);
  const rec = await fresh.hostKey('node1');
  t.true(rec !== null && rec !== 'pending' && rec.publicKeyPem === pub && rec.type === 'ed25519');
  const recorded = await readFile(join(pki.dir, 'hostkeys.json'), 'utf8');
  t.false(/PRIVATE/.test(recorded));
  t.false(JSON.stringify([...check, ...changes, result]).includes('PRIVATE'));
  t.false(host.outLog.join('').includes('PRIVATE'));

  t.deepEqual(await keypairModule.plan(host, args, ctx2), []);

  // A key of another type is never replaced silently.
  await t.throwsAsync(keypairModule.plan(host, { ...args, type: 'rsa' }, ctx2), { message: /is a ed25519 key, not rsa/ });
});

test('recordHostKey refuses anything but a public key', async (t) => {
  const { pki, root } = await makeCa('keypair-refuse');
  await openssl(['genpkey', '-algorithm', 'ED25519', '-out', join(root, 'k')]);
  const priv = await readFile(join(root, 'k'), 'utf8');
  await t.throwsAsync(pki.recordHostKey('node1', 'ed25519', priv), { message: /refusing to record a private key/ });
  await t.throwsAsync(pki.recordHostKey('node1', 'ed25519', 'junk'), { message: /not a public key/ });
});
