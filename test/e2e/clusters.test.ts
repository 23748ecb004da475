/**
 * One bastion, two clusters: two labs at once, each with its own inventory directory
 * (the lab's hosts plus the group_vars of inventories/cluster-a or cluster-b), its own CA
 * (chosen by hostforge_pki_dir in those group_vars, not by --pki-dir or the environment)
 * and its own 3-member etcd cluster, both converged by the same roles at the same time.
 * A client certificate of one cluster is refused by the other's etcd; a second run of
 * each changes nothing.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { changeKeys, events, hostforge, recapOf, REPO } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'hf-clusters-'));
// Neither exists: only the inventories' hostforge_pki_dir can lead to a CA.
const env = { HOSTFORGE_PKI_DIR: join(root, 'no-such-ca'), HOSTFORGE_CA_PASSPHRASE: 'clusters-ca-passphrase' };
let skip: string | undefined;

interface Cluster {
  name: 'cluster-a' | 'cluster-b';
  lab: LabInfo;
  inv: string;
  pki: string;
  client: string;
  password: string;
}
const clusters: Cluster[] = [];

async function setUp(name: Cluster['name'], password: string): Promise<Cluster> {
  const lab = await startLab(name, 3);
  const inv = join(root, name);
  mkdirSync(inv);
  // The lab's hosts and addresses, the etcd group, and the example inventory's group_vars as shipped.
  writeFileSync(join(inv, 'lab.yaml'), readFileSync(lab.inventoryPath, 'utf8'));
  writeFileSync(join(inv, 'groups.yaml'), `all:\n  children:\n    etcd:\n      hosts:\n${lab.hosts.map((h) => `        ${h.name}:\n`).join('')}`);
  cpSync(join(REPO, 'inventories', name, 'group_vars'), join(inv, 'group_vars'), { recursive: true });
  const pki = join(inv, '.pki');
  const init = await hostforge(['pki', 'init', '--pki-dir', pki, '--cn', `${name} CA`], { env });
  if (init.code !== 0) throw new Error(init.stderr);
  const client = join(root, `${name}-root`);
  const issued = await hostforge(['pki', 'issue', 'root', '--usage', 'client', '--pki-dir', pki, '--out', client], { env });
  if (issued.code !== 0) throw new Error(issued.stderr);
  return { name, lab, inv, pki, client, password };
}

function apply(c: Cluster, extra: string[] = []) {
  return hostforge(['apply', 'playbooks/etcd.yaml', '-i', c.inv, '-e', `etcd_root_password=${c.password}`, '--json', ...extra], { env });
}

/** etcdctl from the bastion against cluster `at`, trusting `ca`'s CA and showing `who`'s client certificate. */
async function etcdctl(at: Cluster, ca: Cluster, who: Cluster, args: string[]) {
  const tls = [`--cacert=${join(ca.pki, 'ca.crt')}`, `--cert=${join(who.client, 'root.crt')}`, `--key=${join(who.client, 'root.key')}`];
  const endpoints = at.lab.hosts.map((h) => `https://${h.ip}:2379`).join(',');
  try {
    const r = await run('etcdctl', [`--endpoints=${endpoints}`, '--dial-timeout=3s', '--command-timeout=5s', ...tls, ...args], { timeout: 60_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** GET /health on the first member of `at` with curl: the TLS error text when refused. */
async function curlHealth(at: Cluster, ca: Cluster, who: Cluster) {
  const args = ['-sS', '--max-time', '20', '--tls-max', '1.2', '--cacert', join(ca.pki, 'ca.crt'), '--cert', join(who.client, 'root.crt'), '--key', join(who.client, 'root.key'), `https://${at.lab.hosts[0]!.ip}:2379/health`];
  try {
    const r = await run('curl', args, { timeout: 60_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  clusters.push(...(await Promise.all([setUp('cluster-a', 'root-pw-of-A-1'), setUp('cluster-b', 'root-pw-of-B-2')])));
});

test.after.always(async () => {
  if (skip) return;
  await Promise.all(['cluster-a', 'cluster-b'].map((n) => stopLab(n)));
});

test.serial('both clusters at once from one bastion: check lists what apply does; 3 members each, each its own', async (t) => {
  if (skip) return t.pass(skip);
  const checks = await Promise.all(clusters.map((c) => apply(c, ['--check'])));
  for (const [i, r] of checks.entries()) t.is(r.code, 0, `${clusters[i]!.name}: ${r.stdout.slice(-2000)}${r.stderr}`);
  const applied = await Promise.all(clusters.map((c) => apply(c)));
  for (const [i, c] of clusters.entries()) {
    const r = applied[i]!;
    t.is(r.code, 0, `${c.name}: ${r.stdout.slice(-3000)}${r.stderr}`);
    t.deepEqual(changeKeys(r.stdout), changeKeys(checks[i]!.stdout), c.name);
  }
  for (const c of clusters) {
    const list = await etcdctl(c, c, c, ['member', 'list', '-w', 'json']);
    t.is(list.code, 0, list.out);
    const members = (JSON.parse(list.out) as { members: { name: string; peerURLs: string[] }[] }).members;
    t.deepEqual(members.map((m) => m.name).sort(), ['node1', 'node2', 'node3'], c.name);
    t.deepEqual(members.flatMap((m) => m.peerURLs).sort(), c.lab.hosts.map((h) => `https://${h.ip}:2380`).sort(), `${c.name}: its own lab's members only`);
    // Every member certificate of this cluster came from this cluster's CA (the other CA issued none for it).
    const index = JSON.parse(readFileSync(join(c.pki, 'index.json'), 'utf8')) as { certs: { subject: { type: string; value: string }[]; ips: string[] }[] };
    const members4 = index.certs.filter((e) => e.subject.some((a) => a.type === 'O' && a.value === c.name));
    t.deepEqual(members4.flatMap((e) => e.ips.filter((ip) => ip !== '127.0.0.1')).sort(), c.lab.hosts.map((h) => h.ip).sort(), c.name);
    const health = await etcdctl(c, c, c, ['endpoint', 'health']);
    t.is((health.out.match(/is healthy/g) ?? []).length, 3, health.out);
  }
});

test.serial("a client certificate of one cluster is refused by the other cluster's etcd (TLS), both ways", async (t) => {
  if (skip) return t.pass(skip);
  const [a, b] = clusters as [Cluster, Cluster];
  for (const [at, who] of [
    [b, a],
    [a, b],
  ] as const) {
    // The client trusts the server's CA, so only the server's refusal of the client certificate can fail it.
    const refused = await etcdctl(at, at, who, ['endpoint', 'health']);
    t.not(refused.code, 0, refused.out);
    // etcdctl (gRPC) hides the reason; curl on the same client port (TLS 1.2: the refusal comes in the handshake) shows the alert.
    const why = await curlHealth(at, at, who);
    t.not(why.code, 0, why.out);
    t.regex(why.out, /alert bad certificate|alert certificate required|unknown ca/i, why.out);
    t.log(`${who.name} client cert -> ${at.name}: ${why.out.trim().slice(0, 200)}`);
    t.regex((await curlHealth(at, at, at)).out, /"health":"true"/);
    const put = await etcdctl(at, at, who, ['put', 'intruder', 'x']);
    t.not(put.code, 0, put.out);
    // The server is refused too when the client trusts only its own cluster's CA.
    const wrongServer = await etcdctl(at, who, who, ['get', 'k']);
    t.not(wrongServer.code, 0, wrongServer.out);
    // Its own cluster's client certificate works.
    const own = await etcdctl(at, at, at, ['put', 'owner', at.name]);
    t.is(own.code, 0, own.out);
  }
  for (const c of clusters) t.is((await etcdctl(c, c, c, ['get', 'owner', '--print-value-only'])).out.trim(), c.name);
});

test.serial('a second run of each cluster changes nothing', async (t) => {
  if (skip) return t.pass(skip);
  const again = await Promise.all(clusters.map((c) => apply(c)));
  for (const [i, r] of again.entries()) {
    t.is(r.code, 0, r.stdout.slice(-2000));
    for (const [h, c] of Object.entries(recapOf(r.stdout))) t.is(c.changed, 0, `${clusters[i]!.name} ${h}`);
  }
});

test.serial("rotation in cluster A: re-issued member certificates' predecessors revoked, the CRL on the members lists them; cluster B untouched", async (t) => {
  if (skip) return t.pass(skip);
  const [a, b] = clusters as [Cluster, Cluster];
  const before = JSON.parse(readFileSync(join(a.pki, 'index.json'), 'utf8')) as { certs: { serial: string; subject: { value: string }[] }[] };
  const old = before.certs.filter((c) => c.subject.some((x) => x.value === 'cluster-a')).map((c) => c.serial);
  t.is(old.length, 3);
  // A new organisation in the subject re-issues every member certificate (rolling restart).
  const rotate = ['-e', '{"etcd_cert_revoke_replaced": true, "etcd_cert_org": "cluster-a-2027"}'];
  const check = await apply(a, [...rotate, '--check']);
  t.is(check.code, 0, check.stdout.slice(-2000));
  const r = await apply(a, rotate);
  t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
  t.deepEqual(changeKeys(r.stdout), changeKeys(check.stdout));
  t.is(changeKeys(r.stdout).filter((k) => k.includes('| update other CA serial ')).length, 3, changeKeys(r.stdout).join('\n'));
  for (const h of a.lab.hosts) {
    const crl = await sshRun(a.lab, h, 'openssl crl -in /etc/etcd/pki/crl.pem -noout -text');
    const text = crl.stdout.toLowerCase().replace(/:/g, '');
    for (const serial of old) t.true(text.includes(`serial number ${serial.replace(/^0+/, '')}`) || text.includes(`serial number 0${serial.replace(/^0+/, '')}`), `${h.name}: ${serial} not in its CRL`);
    t.true(text.includes('superseded'));
  }
  const health = await etcdctl(a, a, a, ['endpoint', 'health']);
  t.is((health.out.match(/is healthy/g) ?? []).length, 3, health.out);
  const again = await apply(a, rotate);
  for (const [h, c] of Object.entries(recapOf(again.stdout))) t.is(c.changed, 0, `again ${h}`);
  // Cluster B's CA revoked nothing.
  const bIndex = JSON.parse(readFileSync(join(b.pki, 'index.json'), 'utf8')) as { certs: { revoked?: unknown }[] };
  t.false(bIndex.certs.some((c) => c.revoked));
});

test.serial('a CA that expires within hostforge_pki_warn_days is warned about in the run; no secret in any output', async (t) => {
  if (skip) return t.pass(skip);
  const r = await apply(clusters[0]!, ['--check', '-e', 'hostforge_pki_warn_days=4000']);
  t.is(r.code, 0, r.stdout.slice(-2000));
  const warnings = events(r.stdout).filter((e) => e.type === 'warning').map((e) => e.msg ?? '');
  t.true(warnings.some((w) => /^the CA "CN=cluster-a CA" \(.*cluster-a\/\.pki\) expires on \d{4}-\d\d-\d\d \(in 36\d\d days\)/.test(w)), warnings.join('\n'));
  const quiet = await apply(clusters[1]!, ['--check']);
  t.deepEqual(events(quiet.stdout).filter((e) => e.type === 'warning' && /the CA/.test(e.msg ?? '')), []);
  t.false(r.stdout.includes('root-pw-of-A-1'));
  t.false(r.stdout.includes('PRIVATE KEY'));
});
