import test from 'ava';
import { readFile, stat, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { HostforgeError } from '../../../src/errors.js';
import { fixedPassphrase, passphraseSource } from '../../../src/pki/passphrase.js';
import { initPki, openPki } from '../../../src/pki/service.js';
import { makeCa, openssl, PASS } from './helpers/ca.js';
import { removeTempDirs } from './helpers/local-host.js';

test.after.always(removeTempDirs);

test('init: layout, modes, encrypted key readable by openssl with the passphrase only', async (t) => {
  const { dir } = await makeCa('init');
  t.is((await stat(dir)).mode & 0o777, 0o700);
  t.is((await stat(join(dir, 'ca.key'))).mode & 0o777, 0o600);
  t.is((await stat(join(dir, 'ca.crt'))).mode & 0o777, 0o644);
  const key = await readFile(join(dir, 'ca.key'), 'utf8');
  t.true(key.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----'));
  t.false(key.includes('BEGIN PRIVATE KEY'));
  const ok = await openssl(['pkey', '-in', join(dir, 'ca.key'), '-passin', `pass:${PASS}`, '-noout']);
  t.is(ok.code, 0, ok.stderr);
  const bad = await openssl(['pkey', '-in', join(dir, 'ca.key'), '-passin', 'pass:wrong', '-noout']);
  t.not(bad.code, 0);
  const params = await openssl(['asn1parse', '-in', join(dir, 'ca.key')]);
  t.regex(params.stdout, /PBES2/);
  t.regex(params.stdout, /aes-256-cbc/);
  t.regex(params.stdout, /hmacWithSHA256/);
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { crlNumber: number; certs: unknown[] };
  t.is(index.crlNumber, 1);
  t.deepEqual(index.certs, []);
  const crl = await openssl(['crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.crt'), '-noout']);
  t.is(crl.code, 0, crl.stderr);
  t.regex(crl.stderr, /verify OK/);
});

test('init: CA certificate extensions (CA:TRUE critical, keyCertSign + cRLSign, SKI = AKI)', async (t) => {
  const { dir } = await makeCa('caext');
  const r = await openssl(['x509', '-in', join(dir, 'ca.crt'), '-noout', '-text']);
  t.regex(r.stdout, /Basic Constraints: critical\s+CA:TRUE/);
  t.regex(r.stdout, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
  const ski = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(r.stdout)?.[1];
  const aki = /Authority Key Identifier:\s+(?:keyid:)?([0-9A-F:]+)/.exec(r.stdout)?.[1];
  t.truthy(ski);
  t.is(aki, ski);
  t.regex(r.stdout, /Subject: O = Test Org, CN = Test CA/);
  const self = await openssl(['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'ca.crt')]);
  t.is(self.code, 0, self.stderr);
});

test('init refuses to replace an existing CA', async (t) => {
  const { dir } = await makeCa('twice');
  const err = await t.throwsAsync(initPki(dir, fixedPassphrase(PASS), { kdfIterations: 1000, keySize: 2048 }));
  t.true(err instanceof HostforgeError);
  t.regex(err!.message, /refusing to replace a CA/);
});

test('init refuses a short passphrase', async (t) => {
  const { root } = await makeCa('short');
  await t.throwsAsync(initPki(join(root, 'other'), fixedPassphrase('short'), { kdfIterations: 1000 }), { message: /at least 8/ });
});

test('wrong passphrase is a clear PKI error; opening needs no passphrase', async (t) => {
  const { dir } = await makeCa('wrongpass');
  let asked = 0;
  const pki = await openPki(dir, () => {
    asked++;
    return fixedPassphrase('not the passphrase')();
  });
  t.is(asked, 0, 'opening the CA must not ask for the passphrase');
  t.truthy(pki.inspectCert(await pki.caCertPem()));
  const err = await t.throwsAsync(pki.caKey());
  t.true(err instanceof HostforgeError && err.code === 'PKI');
  t.is(err!.message, `wrong CA passphrase: cannot decrypt ${join(dir, 'ca.key')}`);
});

test('no passphrase and no terminal: a clear error, not a hang', async (t) => {
  const { dir } = await makeCa('nopass');
  const source = passphraseSource({ env: {}, input: { isTTY: false } as NodeJS.ReadStream });
  const pki = await openPki(dir, source);
  await t.throwsAsync(pki.caKey(), { message: /set HOSTFORGE_CA_PASSPHRASE/ });
});

test('passphrase from HOSTFORGE_CA_PASSPHRASE', async (t) => {
  const { dir } = await makeCa('envpass');
  const pki = await openPki(dir, passphraseSource({ env: { HOSTFORGE_CA_PASSPHRASE: PASS } }));
  const key = await pki.caKey();
  t.is(key.asymmetricKeyType, 'rsa');
});

test('a CA key readable by others is refused', async (t) => {
  const { dir } = await makeCa('loose');
  await chmod(join(dir, 'ca.key'), 0o644);
  const pki = await openPki(dir, fixedPassphrase(PASS));
  await t.throwsAsync(pki.caKey(), { message: /chmod 600/ });
});

test('an unencrypted CA key is refused', async (t) => {
  const { dir } = await makeCa('plain');
  const plain = await openssl(['pkey', '-in', join(dir, 'ca.key'), '-passin', `pass:${PASS}`]);
  await writeFile(join(dir, 'ca.key'), plain.stdout, { mode: 0o600 });
  const pki = await openPki(dir, fixedPassphrase(PASS));
  await t.throwsAsync(pki.caKey(), { message: /not encrypted/ });
});

test('openPki on a directory without a CA says how to make one', async (t) => {
  const { root } = await makeCa('empty');
  await t.throwsAsync(openPki(join(root, 'nothing'), fixedPassphrase(PASS)), { message: /hostforge pki init/ });
});
