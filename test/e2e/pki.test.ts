/**
 * playbooks/pki.yaml (roles/pki_node) on three real lab hosts with a CA made by
 * `hostforge pki init`: honest check mode, every cert verifies with openssl, keys stay on
 * the hosts (0600) and never reach the bastion or the output, a second run changes nothing,
 * an inventory IP change re-issues one host's cert, a revocation reaches every host's CRL.
 */
import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { changeKeys, events, hostforge, recapOf } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const LAB = 'pki';
const PASS = 'e2e CA passphrase';
const DIR = '/etc/mongod/ssl';
let lab: LabInfo;
let skip: string | undefined;
let work: string;
let env: Record<string, string>;

type Inv = { all: { children: Record<string, { hosts?: Record<string, Record<string, unknown>>; children?: Record<string, unknown> }> } };

/** The lab's inventory with a pki_nodes group (and optional host var overrides). */
function inventory(name: string, overrides: Record<string, Record<string, unknown>> = {}): string {
  const inv = yaml.load(readFileSync(lab.inventoryPath, 'utf8')) as Inv;
  const groupName = Object.keys(inv.all.children).find((g) => inv.all.children[g]!.hosts)!;
  for (const [h, vars] of Object.entries(overrides)) Object.assign(inv.all.children[groupName]!.hosts![h]!, vars);
  inv.all.children.pki_nodes = { children: { [groupName]: {} } };
  const path = join(work, name);
  writeFileSync(path, yaml.dump(inv));
  return path;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'hf-pki-e2e-'));
  env = { HOSTFORGE_PKI_DIR: join(work, 'pki'), HOSTFORGE_CA_PASSPHRASE: PASS };
  lab = await startLab(LAB, 3);
});

test.after.always(async () => {
  if (!skip) await stopLab(LAB);
  if (work) rmSync(work, { recursive: true, force: true });
});

test.serial('check run lists exactly what the real run does; second run changes nothing', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const init = await hostforge(['pki', 'init', '--org', 'Managing Org', '--key-size', '2048'], { env });
  t.is(init.code, 0, init.stderr);
  const inv = inventory('inventory.yaml');

  const check = await hostforge(['apply', 'playbooks/pki.yaml', '-i', inv, '--check', '--json'], { env });
  t.is(check.code, 0, check.stdout.slice(-3000) + check.stderr);
  const planned = changeKeys(check.stdout);
  const nothing = await sshRun(lab, 'node1', `test -e ${DIR} && echo present || echo absent`);
  t.is(nothing.stdout.trim(), 'absent', 'check mode wrote nothing');

  const t0 = Date.now();
  const apply = await hostforge(['apply', 'playbooks/pki.yaml', '-i', inv, '--json'], { env });
  const ms = Date.now() - t0;
  t.is(apply.code, 0, apply.stdout.slice(-3000) + apply.stderr);
  t.deepEqual(changeKeys(apply.stdout), planned);
  t.log(`first run on 3 hosts (12 keys made on the hosts, 12 certs signed): ${ms} ms`);

  // Nothing private on the bastion or in the output.
  for (const out of [check.stdout, check.stderr, apply.stdout, apply.stderr]) t.false(/BEGIN (RSA |EC )?PRIVATE KEY/.test(out));
  for (const f of filesUnder(env.HOSTFORGE_PKI_DIR!)) {
    const text = readFileSync(f, 'utf8');
    t.false(/BEGIN (RSA |EC )?PRIVATE KEY/.test(text), f);
  }
  t.is(statSync(join(env.HOSTFORGE_PKI_DIR!, 'ca.key')).mode & 0o777, 0o600);

  const again = await hostforge(['apply', 'playbooks/pki.yaml', '-i', inv, '--json'], { env });
  t.is(again.code, 0);
  for (const [h, r] of Object.entries(recapOf(again.stdout))) t.is(r.changed, 0, `${h} changed on the second run`);
});

test.serial('on every host: certs verify, SANs and usages, keys 0600, CRL, keyring of the others', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const pubs: Record<string, string> = {};
  for (const h of lab.hosts) {
    const inst = `mdb-instance-${h.name}`;
    const r = await sshRun(
      lab,
      h.name,
      `cd ${DIR} && openssl verify -crl_check -CAfile ca.crt -CRLfile crl.pem ${inst}.crt bigchaindb-client.crt monitoring-agent.crt backup-agent.crt && stat -c '%a %n' *.key *.pem && openssl x509 -in ${inst}.crt -noout -text && openssl x509 -in monitoring-agent.crt -noout -subject -ext extendedKeyUsage`,
    );
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, new RegExp(`${inst}.crt: OK`));
    t.regex(r.stdout, /backup-agent.crt: OK/);
    for (const line of r.stdout.split('\n').filter((l) => /^\d{3} .*\.(key|pem)$/.test(l) && !l.endsWith('crl.pem'))) t.regex(line, /^600 /, line);
    t.true(r.stdout.includes(`DNS:${h.fqdn}`) && r.stdout.includes(`DNS:${h.name}`) && r.stdout.includes(`DNS:${inst}`), r.stdout);
    t.true(r.stdout.includes(`IP Address:${h.ip}`));
    t.regex(r.stdout, /TLS Web Server Authentication, TLS Web Client Authentication/);
    t.regex(r.stdout, new RegExp(`subject=O = BigchainDB, OU = mongodb-clients, CN = ${h.name}-monitoring-agent`));
    const pub = await sshRun(lab, h.name, `cat ${DIR}/bigchaindb.key.pub; stat -c %a ${DIR}/bigchaindb.key`);
    t.regex(pub.stdout, /-----END PUBLIC KEY-----\n600\n$/);
    pubs[h.name] = pub.stdout;
  }
  const recorded = JSON.parse(readFileSync(join(env.HOSTFORGE_PKI_DIR!, 'hostkeys.json'), 'utf8')) as { hosts: Record<string, { publicKeyPem: string }> };
  for (const h of lab.hosts) {
    t.true(pubs[h.name]!.startsWith(recorded.hosts[h.name]!.publicKeyPem));
    const ring = await sshRun(lab, h.name, `cat ${DIR}/keyring`);
    t.is(ring.stdout.trim().split('\n').length, 2, 'the two other nodes');
  }
});

test.serial("an IP change in the inventory re-issues that host's member cert only; a revocation reaches every CRL", async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const inv = inventory('inventory-ip.yaml', { node1: { ip: '198.18.0.222' } });
  const apply = await hostforge(['apply', 'playbooks/pki.yaml', '-i', inv, '--json'], { env });
  t.is(apply.code, 0, apply.stdout.slice(-2000));
  const changed = events(apply.stdout).filter((e) => e.type === 'task_result' && (e.changes ?? []).length > 0);
  t.deepEqual(
    changed.map((e) => `${e.host} ${e.task}`),
    ['node1 pki_node : MongoDB member certificate (server + client usage)'],
  );
  const summaries = changed.flatMap((e) => e.changes!.map((c) => c.summary));
  t.true(summaries.some((s) => /IP addresses \+198\.18\.0\.222/.test(s)), summaries.join('\n'));

  const rev = await hostforge(['pki', 'revoke', 'node2-monitoring-agent', '--reason', 'keyCompromise'], { env });
  t.is(rev.code, 0, rev.stderr);
  const publish = await hostforge(['apply', 'playbooks/pki.yaml', '-i', inv, '--json'], { env });
  t.is(publish.code, 0);
  const crlTasks = events(publish.stdout).filter((e) => e.type === 'task_result' && (e.changes ?? []).length > 0);
  // The CRL reaches every node, and the revoked certificate is replaced: the plan says why.
  t.deepEqual(
    crlTasks.map((e) => `${e.host} ${e.task}`).sort(),
    [...['node1', 'node2', 'node3'].map((h) => `${h} pki_node : certificate revocation list`), 'node2 pki_node : MongoDB client certificates'].sort(),
  );
  const reissue = crlTasks.find((e) => e.task === 'pki_node : MongoDB client certificates')!;
  t.true(reissue.changes!.some((c) => /issue certificate .*monitoring-agent\.crt: revoked by the CA on \S+ \(keyCompromise\)/.test(c.summary)), JSON.stringify(reissue.changes));
  const oldSerial = /revoked ([0-9a-f]+)/.exec(rev.stdout)?.[1];
  t.truthy(oldSerial, rev.stdout);
  const now = await sshRun(lab, 'node2', `cd ${DIR} && openssl x509 -in monitoring-agent.crt -noout -serial && openssl crl -in crl.pem -noout -text`);
  t.is(now.code, 0, now.stderr);
  // Serials compare as numbers (openssl may print a leading 0).
  const norm = (hex: string): string => hex.replace(/:/g, '').toLowerCase().replace(/^0+(?=.)/, '');
  const inCrl = [...now.stdout.matchAll(/Serial Number: ([0-9A-Fa-f]+)/g)].map((m) => norm(m[1]!));
  t.true(inCrl.includes(norm(oldSerial!)), `the old serial ${oldSerial} is in the CRL: ${inCrl.join(', ')}`);
  const current = /serial=([0-9A-Fa-f]+)/.exec(now.stdout)?.[1] ?? '';
  t.not(norm(current), norm(oldSerial!), 'a new serial');
  const ok = await sshRun(lab, 'node2', `cd ${DIR} && openssl verify -crl_check -CAfile ca.crt -CRLfile crl.pem monitoring-agent.crt`);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  const again = await hostforge(['apply', 'playbooks/pki.yaml', '-i', inv, '--json'], { env });
  t.is(recapOf(again.stdout).node2?.changed, 0, 'the replacement is not re-issued again');
});
