/**
 * The certificate module against a real local Host (sh + openssl + files in a temp dir):
 * run twice, honest check mode, re-issue only when needed, keys stay 0600 and never show up.
 */
import test from 'ava';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { certificateModule, planCertificate, type CertificateArgs } from '../../../src/modules/certificate.js';
import type { Change } from '../../../src/modules/types.js';
import { makeCa, openssl } from '../pki/helpers/ca.js';
import { context, LocalHost, removeTempDirs } from '../pki/helpers/local-host.js';

test.after.always(removeTempDirs);

const DAY = 86_400_000;

async function setup(name: string, extra: Partial<CertificateArgs> = {}) {
  const ca = await makeCa(`cert-${name}`);
  const dir = join(ca.root, 'host', 'etc', 'ssl');
  await mkdir(dir, { recursive: true });
  const args: CertificateArgs = {
    path: join(dir, 'node1.crt'),
    key_path: join(dir, 'node1.key'),
    ca_path: join(dir, 'ca.crt'),
    bundle_path: join(dir, 'node1.pem'),
    organization: 'Org',
    usage: 'both',
    days: 90,
    ...extra,
  };
  const vars = { fqdn: 'node1.example.com', ansible_host: '198.18.0.11' };
  return { ...ca, dir, args, vars };
}

async function plan(host: LocalHost, args: CertificateArgs, ctx: ReturnType<typeof context>): Promise<Change[]> {
  return certificateModule.plan(host, args, ctx);
}

function noPrivateKey(t: { false(v: boolean, m?: string): void }, what: string, text: string, keyPem?: string): void {
  t.false(/PRIVATE KEY/.test(text), `${what} mentions a private key`);
  if (keyPem) {
    const body = keyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const line of body.slice(0, 3)) t.false(text.includes(line), `${what} contains private key material`);
  }
}

test('first run: check mode lists exactly what apply does; key 0600 made on the host; second run: no change', async (t) => {
  const { pki, dir, args, vars } = await setup('twice');
  const ctx = context(pki, { vars });

  const checkHost = new LocalHost('node1', vars, true);
  const predicted = await plan(checkHost, args, ctx);
  t.deepEqual(
    predicted.map((c) => [c.kind, c.action, c.target]),
    [
      ['other', 'create', args.key_path],
      ['file', 'create', args.path],
      ['file', 'create', args.ca_path],
      ['other', 'create', args.bundle_path],
    ],
  );
  t.is(predicted[0]!.summary, `generate RSA 2048 key ${args.key_path} (on host)`);
  t.is(predicted[1]!.summary, `issue certificate ${args.path}: new key; no certificate`);
  t.is(predicted[1]!.data?.predicted, false);
  t.regex(predicted[1]!.after!, /dns: node1, node1.example.com\nips: 198.18.0.11\nusage: both/);

  const host = new LocalHost('node1', vars);
  const changes = await plan(host, args, ctx);
  t.deepEqual(changes.map((c) => c.summary), predicted.map((c) => c.summary), 'check mode tells exactly what the run does');
  const result = await certificateModule.apply(host, changes, args, ctx);
  t.regex(String(result && result.serial), /^[0-9a-f]{32}$/);

  t.is((await stat(args.key_path)).mode & 0o777, 0o600);
  t.is((await stat(args.bundle_path!)).mode & 0o777, 0o600);
  t.is((await stat(args.path)).mode & 0o777, 0o644);
  const v = await openssl(['verify', '-CAfile', join(dir, 'ca.crt'), args.path]);
  t.is(v.code, 0, v.stderr);
  const text = (await openssl(['x509', '-in', args.path, '-noout', '-text'])).stdout;
  t.true(text.includes('DNS:node1, DNS:node1.example.com, IP Address:198.18.0.11'), text);
  t.true(text.includes('TLS Web Server Authentication, TLS Web Client Authentication'));
  t.regex(text, /Subject: O = Org, CN = node1\n/);
  const bundle = await readFile(args.bundle_path!, 'utf8');
  t.is(bundle, (await readFile(args.key_path, 'utf8')) + (await readFile(args.path, 'utf8')));
  // The key on the host matches the certificate.
  const m1 = await openssl(['x509', '-in', args.path, '-noout', '-pubkey']);
  const m2 = await openssl(['pkey', '-in', args.key_path, '-pubout']);
  t.is(m1.stdout, m2.stdout);

  // The private key never appears in a change, a command or its output.
  const keyPem = await readFile(args.key_path, 'utf8');
  noPrivateKey(t, 'changes', JSON.stringify([...predicted, ...changes]), keyPem);
  noPrivateKey(t, 'commands', host.execLog.join('\n'), keyPem);
  noPrivateKey(t, 'command output', host.outLog.join('\n'), keyPem);
  noPrivateKey(t, 'result', JSON.stringify(result), keyPem);

  t.deepEqual(await plan(new LocalHost('node1', vars), args, ctx), [], 'second run: changed=0');
  t.deepEqual(await plan(new LocalHost('node1', vars, true), args, ctx), [], 'second check run: changed=0');
});

test("changing a host's IP in the inventory re-issues that host's certificate only", async (t) => {
  const { pki, root } = await makeCa('cert-ip');
  const hosts = ['node1', 'node2'].map((name, i) => ({
    name,
    vars: { fqdn: `${name}.example.com`, ansible_host: `198.18.0.${11 + i}` },
    args: { path: join(root, `${name}.crt`), key_path: join(root, `${name}.key`), usage: 'server' as const },
  }));
  for (const h of hosts) {
    const host = new LocalHost(h.name, h.vars);
    const ctx = context(pki, { vars: h.vars });
    await certificateModule.apply(host, await plan(host, h.args, ctx), h.args, ctx);
  }
  const before = await Promise.all(hosts.map((h) => readFile(h.args.path, 'utf8')));
  hosts[0]!.vars.ansible_host = '198.18.0.99';
  const plans = await Promise.all(hosts.map((h) => plan(new LocalHost(h.name, h.vars), h.args, context(pki, { vars: h.vars }))));
  t.deepEqual(plans[1], [], 'node2 untouched');
  t.deepEqual(plans[0]!.map((c) => c.summary), [`issue certificate ${hosts[0]!.args.path}: IP addresses +198.18.0.99 -198.18.0.11`]);
  t.regex(plans[0]![0]!.before!, /ips: 198.18.0.11/);
  t.regex(plans[0]![0]!.after!, /ips: 198.18.0.99/);
  const h0 = hosts[0]!;
  const keyBefore = await readFile(h0.args.key_path, 'utf8');
  await certificateModule.apply(new LocalHost(h0.name, h0.vars), plans[0]!, h0.args, context(pki, { vars: h0.vars }));
  t.is(await readFile(h0.args.key_path, 'utf8'), keyBefore, 're-issue keeps the key');
  t.not(await readFile(h0.args.path, 'utf8'), before[0]);
  t.is(await readFile(hosts[1]!.args.path, 'utf8'), before[1]);
  t.deepEqual(await plan(new LocalHost(h0.name, h0.vars), h0.args, context(pki, { vars: h0.vars })), []);
});

test('renewal window: inside it the cert is re-issued, outside it is not', async (t) => {
  const { pki, args, vars } = await setup('renew', { days: 3, bundle_path: undefined, ca_path: undefined });
  const host = new LocalHost('node1', vars);
  const ctx = context(pki, { vars });
  await certificateModule.apply(host, await plan(host, args, ctx), args, ctx);
  // 3 days of validity, window 1 day: at +1.5 days there are 1.5 left (outside), at +2.5 days 0.5 (inside).
  t.deepEqual(await planCertificate(host, args, pki, vars, Date.now() + 1.5 * DAY), []);
  const inside = await planCertificate(host, args, pki, vars, Date.now() + 2.5 * DAY);
  t.is(inside.length, 1);
  t.regex(inside[0]!.summary, /expires in 0\.\d days \(renewal window 1\.0 days\)/);
  const explicit = await planCertificate(host, { ...args, renew_before_days: 2 }, pki, vars, Date.now() + 1.5 * DAY);
  t.regex(explicit[0]!.summary, /renewal window 2\.0 days/);
});

test('wrong issuer, key mismatch, loose key mode: each is noticed and fixed without touching what is right', async (t) => {
  const { pki, args, vars, root } = await setup('repair', { bundle_path: undefined });
  const host = new LocalHost('node1', vars);
  const ctx = context(pki, { vars });
  await certificateModule.apply(host, await plan(host, args, ctx), args, ctx);

  // Loose key mode → only an attribute change.
  await chmod(args.key_path, 0o644);
  const loose = await plan(host, args, ctx);
  t.deepEqual(loose.map((c) => [c.kind, c.summary]), [['attributes', `mode of ${args.key_path}: 0644 → 0600`]]);
  await certificateModule.apply(host, loose, args, ctx);
  t.is((await stat(args.key_path)).mode & 0o777, 0o600);

  // A certificate from another CA.
  const other = await makeCa('cert-other');
  const csr = await openssl(['req', '-new', '-key', args.key_path, '-subj', '/O=Org/CN=node1']);
  await writeFile(args.path, await other.pki.signCsr(csr.stdout, { dns: ['node1', 'node1.example.com'], ips: ['198.18.0.11'], usage: 'both', days: 90 }));
  const foreign = await plan(host, args, ctx);
  t.deepEqual(foreign.map((c) => c.summary), [`issue certificate ${args.path}: issued by another CA (O=Test Org, CN=Test CA)`]);
  await certificateModule.apply(host, foreign, args, ctx);
  t.deepEqual(await plan(host, args, ctx), []);

  // A new key put in place by someone else → key mismatch; the key is kept, the cert re-issued.
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', args.key_path]);
  await chmod(args.key_path, 0o600);
  const mismatch = await plan(host, args, ctx);
  t.deepEqual(mismatch.map((c) => c.summary), [`issue certificate ${args.path}: key mismatch`]);
  await certificateModule.apply(host, mismatch, args, ctx);
  t.deepEqual(await plan(host, args, ctx), []);

  // The CA file edited → replaced, with a diff.
  await writeFile(args.ca_path!, 'not the CA\n');
  const ca = await plan(host, args, ctx);
  t.deepEqual(ca.map((c) => [c.action, c.target]), [['update', args.ca_path]]);
  t.is(ca[0]!.before, 'not the CA\n');
  await certificateModule.apply(host, ca, args, ctx);
  t.is(await readFile(args.ca_path!, 'utf8'), await pki.caCertPem());

  // An unreadable key is an error, never silently replaced.
  await writeFile(args.key_path, 'garbage\n', { mode: 0o600 });
  await t.throwsAsync(plan(host, args, ctx), { message: /cannot read it as an unencrypted private key/ });
  void root;
});

test('EC keys, subject change, usage change, owner/group', async (t) => {
  const { pki, args, vars } = await setup('ec', { key_type: 'ec', bundle_path: undefined, owner: 'root', group: 'root' });
  const host = new LocalHost('node1', vars);
  const ctx = context(pki, { vars });
  const first = await plan(host, args, ctx);
  t.is(first[0]!.summary, `generate EC P-256 key ${args.key_path} (on host)`);
  await certificateModule.apply(host, first, args, ctx);
  t.regex((await openssl(['x509', '-in', args.path, '-noout', '-text'])).stdout, /id-ecPublicKey/);
  t.deepEqual(await plan(host, args, ctx), []);
  const changed = await plan(host, { ...args, common_name: 'mdb-instance-1', usage: 'server' }, ctx);
  t.deepEqual(changed.map((c) => c.summary), [`issue certificate ${args.path}: subject O=Org, CN=node1 → O=Org, CN=mdb-instance-1; usage both → server`]);
});
