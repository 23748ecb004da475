import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostforgeError } from '../../../src/errors.js';
import { makeCa, openssl } from './helpers/ca.js';
import { removeTempDirs } from './helpers/local-host.js';

test.after.always(removeTempDirs);

async function csr(root: string, name: string, keyArgs: string[], subj: string, extra: string[] = []): Promise<string> {
  const r = await openssl(['req', ...keyArgs, '-nodes', '-keyout', join(root, `${name}.key`), '-subj', subj, ...extra, '-out', join(root, `${name}.csr`)]);
  if (r.code !== 0) throw new Error(r.stderr);
  return readFile(join(root, `${name}.csr`), 'utf8');
}

async function text(pem: string, root: string, name: string): Promise<string> {
  await writeFile(join(root, `${name}.crt`), pem);
  return (await openssl(['x509', '-in', join(root, `${name}.crt`), '-noout', '-text'])).stdout;
}

test("the runbook's CSR (openssl req -newkey rsa:2048 -nodes -subj /O=ORG/CN=HOST) is signed with its subject and verifies", async (t) => {
  const { pki, dir, root } = await makeCa('runbook');
  const pem = await csr(root, 'ORGNAME', ['-newkey', 'rsa:2048'], '/O=ORGNAME/CN=backend.example.org');
  const r = await pki.signCsrDetailed(pem, { dns: [], ips: [], usage: 'client', days: 365 });
  await writeFile(join(root, 'ORGNAME.crt'), r.pem);
  const v = await openssl(['verify', '-CAfile', join(dir, 'ca.crt'), join(root, 'ORGNAME.crt')]);
  t.is(v.code, 0, v.stderr);
  t.regex(v.stdout, /ORGNAME.crt: OK/);
  const subj = await openssl(['x509', '-in', join(root, 'ORGNAME.crt'), '-noout', '-subject', '-issuer', '-serial']);
  t.regex(subj.stdout, /subject=O = ORGNAME, CN = backend.example.org/);
  t.regex(subj.stdout, /issuer=O = Test Org, CN = Test CA/);
  // The cert's key is the CSR's key: the modulus matches the runbook's ORGNAME.key.
  const m1 = await openssl(['x509', '-in', join(root, 'ORGNAME.crt'), '-noout', '-modulus']);
  const m2 = await openssl(['rsa', '-in', join(root, 'ORGNAME.key'), '-noout', '-modulus']);
  t.is(m1.stdout, m2.stdout);
  t.deepEqual(r.entry.subject, [
    { type: 'O', value: 'ORGNAME' },
    { type: 'CN', value: 'backend.example.org' },
  ]);
});

test('serials are positive, 16 bytes, unique; AKI is the CA subject key identifier; every cert has an SKI', async (t) => {
  const { pki, root } = await makeCa('serial');
  const pem = await csr(root, 'a', ['-newkey', 'rsa:2048'], '/CN=a');
  const ca = await text(await pki.caCertPem(), root, 'ca-copy');
  const caSki = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(ca)![1];
  const serials = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const out = await text((await pki.signCsrDetailed(pem, { dns: [], ips: [], usage: 'server', days: 10 })).pem, root, `a${i}`);
    const serial = /Serial Number:\s+([0-9a-f:]+)/.exec(out)![1]!.replace(/:/g, '');
    t.is(serial.length, 32);
    t.true(parseInt(serial[0]!, 16) < 8, 'top bit clear: positive');
    t.not(serial.slice(0, 2), '00');
    serials.add(serial);
    t.is(/Authority Key Identifier:\s+(?:keyid:)?([0-9A-F:]+)/.exec(out)![1], caSki);
    t.regex(out, /Subject Key Identifier:\s+[0-9A-F:]{59}/);
    t.regex(out, /Basic Constraints: critical\s+CA:FALSE/);
  }
  t.is(serials.size, 5);
});

test('SANs and usages as asked (server / client / both), checked by openssl -text and -purpose', async (t) => {
  const { pki, dir, root } = await makeCa('usage');
  const pem = await csr(root, 'node1', ['-newkey', 'rsa:2048'], '/CN=ignored');
  const subject = [{ type: 'O', value: 'Org' }, { type: 'CN', value: 'node1' }];
  const dns = ['node1', 'node1.example.com'];
  const ips = ['198.18.0.11', '2001:db8::1'];
  const cases = [
    { usage: 'server' as const, eku: 'TLS Web Server Authentication', server: true, client: false },
    { usage: 'client' as const, eku: 'TLS Web Client Authentication', server: false, client: true },
    { usage: 'both' as const, eku: 'TLS Web Server Authentication, TLS Web Client Authentication', server: true, client: true },
  ];
  for (const c of cases) {
    const cert = await pki.signCsr(pem, { subject, dns, ips, usage: c.usage, days: 30 });
    const out = await text(cert, root, `node1-${c.usage}`);
    t.regex(out, /Subject: O = Org, CN = node1\n/, 'the bastion sets the subject, not the CSR');
    t.true(out.includes('DNS:node1, DNS:node1.example.com, IP Address:198.18.0.11, IP Address:2001:DB8:0:0:0:0:0:1'), out);
    t.true(out.includes(`X509v3 Extended Key Usage: \n                ${c.eku}\n`), c.usage);
    t.regex(out, /Key Usage: critical\s+Digital Signature, Key Encipherment/);
    for (const [purpose, want] of [
      ['sslserver', c.server],
      ['sslclient', c.client],
    ] as const) {
      const v = await openssl(['verify', '-purpose', purpose, '-CAfile', join(dir, 'ca.crt'), join(root, `node1-${c.usage}.crt`)]);
      t.is(v.code === 0, want, `${c.usage} as ${purpose}: ${v.stdout}${v.stderr}`);
    }
  }
});

test('a CSR whose signature is invalid is refused', async (t) => {
  const { pki, root } = await makeCa('tamper');
  const pem = await csr(root, 'host', ['-newkey', 'rsa:2048'], '/O=ORG/CN=HOST');
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const at = der.indexOf(Buffer.from('HOST'));
  t.true(at > 0);
  der[at + 3] = 'U'.charCodeAt(0); // CN=HOSU: same length, signature no longer matches
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE REQUEST-----\n`;
  const err = await t.throwsAsync(pki.signCsr(tampered, { dns: [], ips: [], usage: 'client', days: 1 }));
  t.true(err instanceof HostforgeError);
  t.is(err!.message, 'CSR signature is invalid: refusing to sign');
  t.deepEqual((await pki.list()).length, 0, 'nothing recorded');
  await t.throwsAsync(pki.signCsr('not a csr', { dns: [], ips: [], usage: 'client', days: 1 }), { message: /not a valid CSR/ });
});

test('EC and Ed25519 CSRs are signed; an RSA key under 2048 bits is refused', async (t) => {
  const { pki, dir, root } = await makeCa('ec');
  const ec = await csr(root, 'ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=ec-host');
  const out = await text(await pki.signCsr(ec, { dns: ['ec-host'], ips: [], usage: 'server', days: 30 }), root, 'ec');
  t.regex(out, /id-ecPublicKey/);
  t.regex(out, /Key Usage: critical\s+Digital Signature\n/);
  t.is((await openssl(['verify', '-CAfile', join(dir, 'ca.crt'), join(root, 'ec.crt')])).code, 0);

  const ed = await csr(root, 'ed', ['-newkey', 'ed25519'], '/CN=ed-host');
  await text(await pki.signCsr(ed, { dns: [], ips: [], usage: 'client', days: 30 }), root, 'ed');
  t.is((await openssl(['verify', '-CAfile', join(dir, 'ca.crt'), join(root, 'ed.crt')])).code, 0);

  const small = await csr(root, 'small', ['-newkey', 'rsa:1024'], '/CN=small');
  await t.throwsAsync(pki.signCsr(small, { dns: [], ips: [], usage: 'client', days: 30 }), { message: /too small/ });
});

test('pki sign: the SANs a CSR asks for are included on request, and recorded in the index', async (t) => {
  const { pki, dir, root } = await makeCa('csrsans');
  const pem = await csr(root, 'req', ['-newkey', 'rsa:2048'], '/O=ORG/CN=api.example.org', ['-addext', 'subjectAltName=DNS:api.example.org,IP:10.1.2.3']);
  const without = await pki.signCsrDetailed(pem, { dns: [], ips: [], usage: 'server', days: 30 });
  t.deepEqual([without.entry.dns, without.entry.ips], [[], []]);
  t.deepEqual([without.csr.requestedDns, without.csr.requestedIps], [['api.example.org'], ['10.1.2.3']]);
  const withSans = await pki.signCsrDetailed(pem, { dns: ['extra.example.org'], ips: [], usage: 'server', days: 30 }, { includeCsrSans: true });
  t.deepEqual(withSans.entry.dns, ['api.example.org', 'extra.example.org']);
  t.deepEqual(withSans.entry.ips, ['10.1.2.3']);
  const list = await pki.list();
  t.deepEqual(
    list.map((c) => [c.serial, c.status]),
    [
      [without.entry.serial, 'valid'],
      [withSans.entry.serial, 'valid'],
    ],
  );
  const copy = await readFile(join(dir, 'certs', `${withSans.entry.serial}.pem`), 'utf8');
  t.is(copy, withSans.pem);
});

test('bad SANs and days are input errors', async (t) => {
  const { pki, root } = await makeCa('badsan');
  const pem = await csr(root, 'x', ['-newkey', 'rsa:2048'], '/CN=x');
  await t.throwsAsync(pki.signCsr(pem, { dns: ['not a name'], ips: [], usage: 'server', days: 3 }), { message: /not a DNS name/ });
  await t.throwsAsync(pki.signCsr(pem, { dns: [], ips: ['300.1.1.1'], usage: 'server', days: 3 }), { message: /not an IP address/ });
  await t.throwsAsync(pki.signCsr(pem, { dns: [], ips: [], usage: 'server', days: 0 }), { message: /days must be/ });
});

test('inspectCert: our certs vs another CA, unparseable input', async (t) => {
  const a = await makeCa('inspect-a');
  const b = await makeCa('inspect-b');
  const pem = await csr(a.root, 'h', ['-newkey', 'rsa:2048'], '/CN=h');
  const cert = await a.pki.signCsr(pem, { dns: ['h.example'], ips: ['198.18.0.9'], usage: 'both', days: 30 });
  const mine = a.pki.inspectCert(cert)!;
  t.true(mine.issuedByCa);
  t.deepEqual([mine.dns, mine.ips, mine.usage, mine.isCa], [['h.example'], ['198.18.0.9'], 'both', false]);
  const pub = await openssl(['pkey', '-in', join(a.root, 'h.key'), '-pubout']);
  t.is(a.pki.publicKeyId(pub.stdout), mine.publicKeyId);
  const theirs = b.pki.inspectCert(cert)!;
  t.false(theirs.issuedByCa, 'same-looking issuer name is not enough: the signature is checked');
  t.is(a.pki.inspectCert('garbage'), null);
  t.is(a.pki.publicKeyId('garbage'), null);
});
