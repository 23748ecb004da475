/**
 * The secure etcd cluster on real lab hosts: from nothing to 3 healthy TLS members with
 * auth, checked with etcdctl from the bastion; refusals (no cert, other CA, revoked cert,
 * no root identity); a second run changes nothing; a 4th host joins; a stopped member
 * comes back; no secret in any output.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { changeKeys, hostforge, recapOf } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const run = promisify(execFile);
const LAB = 'etcd';
const PASSWORD = 'etcd-root-S3cret';
let lab: LabInfo;
let skip: string | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hf-etcd-'));
const pkiDir = join(dir, 'pki');
const env = { HOSTFORGE_PKI_DIR: pkiDir, HOSTFORGE_CA_PASSPHRASE: 'ca-passphrase-for-tests' };
const outputs: string[] = [];

function groups(members: string[]): string {
  const file = join(dir, `groups-${members.length}.yaml`);
  writeFileSync(file, `all:\n  children:\n    etcd:\n      hosts:\n${members.map((m) => `        ${m}:\n`).join('')}`);
  return file;
}

async function apply(members: string[], extra: string[] = []) {
  const r = await hostforge(['apply', 'playbooks/etcd.yaml', '-i', lab.inventoryPath, '-i', groups(members), '-e', `etcd_root_password=${PASSWORD}`, '--json', ...extra], { env });
  outputs.push(r.stdout, r.stderr);
  return r;
}

function endpoints(n: number): string {
  return lab.hosts.slice(0, n).map((h) => `https://${h.ip}:2379`).join(',');
}

async function etcdctl(n: number, tls: string[], args: string[]) {
  try {
    const r = await run('etcdctl', [`--endpoints=${endpoints(n)}`, '--dial-timeout=3s', '--command-timeout=5s', ...tls, ...args], { timeout: 30_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const ca = () => [`--cacert=${join(pkiDir, 'ca.crt')}`];
const client = (name: string) => [...ca(), `--cert=${join(dir, name, `${name}.crt`)}`, `--key=${join(dir, name, `${name}.key`)}`];

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 4);
  const init = await hostforge(['pki', 'init', '--cn', 'etcd test CA'], { env });
  if (init.code !== 0) throw new Error(init.stderr);
  for (const name of ['root', 'alice', 'mallory']) {
    const r = await hostforge(['pki', 'issue', name, '--usage', 'client', '--out', join(dir, name)], { env });
    if (r.code !== 0) throw new Error(r.stderr);
  }
});

test.after.always(async () => {
  if (!skip) await stopLab(LAB);
});

test.serial('from nothing: check lists what apply does; 3 started, healthy members over mTLS', async (t) => {
  if (skip) return t.pass(skip);
  const three = ['node1', 'node2', 'node3'];
  const check = await apply(three, ['--check']);
  t.is(check.code, 0, check.stdout.slice(-2000) + check.stderr);
  const applied = await apply(three);
  t.is(applied.code, 0, applied.stdout.slice(-3000) + applied.stderr);
  t.deepEqual(changeKeys(applied.stdout), changeKeys(check.stdout));

  const list = await etcdctl(3, client('root'), ['member', 'list']);
  t.is(list.code, 0, list.out);
  t.is(list.out.trim().split('\n').filter((l) => l.includes(', started, ')).length, 3, list.out);
  const health = await etcdctl(3, client('root'), ['endpoint', 'health']);
  t.is(health.code, 0, health.out);
  t.is((health.out.match(/is healthy/g) ?? []).length, 3);
});

test.serial('refused: no client cert, a cert from another CA; after auth a non-root identity cannot write', async (t) => {
  if (skip) return t.pass(skip);
  t.not((await etcdctl(3, ca(), ['get', 'x'])).code, 0);
  // Another CA: a self-signed client certificate.
  const other = join(dir, 'other');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${other}.key`, '-out', `${other}.crt`, '-subj', '/CN=root', '-days', '1']);
  t.not((await etcdctl(3, [...ca(), `--cert=${other}.crt`, `--key=${other}.key`], ['get', 'x'])).code, 0);
  const denied = await etcdctl(3, client('alice'), ['put', 'k', 'v']);
  t.not(denied.code, 0, denied.out);
  const ok = await etcdctl(3, client('root'), ['put', 'k', 'before-join']);
  t.is(ok.code, 0, ok.out);
});

test.serial('a revoked client certificate is refused once the CRL is published', async (t) => {
  if (skip) return t.pass(skip);
  t.is((await etcdctl(3, client('mallory'), ['endpoint', 'health'])).code, 0);
  const rev = await hostforge(['pki', 'revoke', 'mallory'], { env });
  t.is(rev.code, 0, rev.stderr);
  const r = await apply(['node1', 'node2', 'node3']);
  t.is(r.code, 0, r.stdout.slice(-2000));
  const refused = await etcdctl(3, client('mallory'), ['get', 'k']);
  t.not(refused.code, 0, refused.out);
  t.is((await etcdctl(3, client('root'), ['get', 'k', '--print-value-only'])).out.trim(), 'before-join');
});

test.serial('second run changes nothing', async (t) => {
  if (skip) return t.pass(skip);
  const r = await apply(['node1', 'node2', 'node3']);
  for (const [h, c] of Object.entries(recapOf(r.stdout))) t.is(c.changed, 0, h);
});

test.serial('a 4th host joins the running cluster; the others are not restarted', async (t) => {
  if (skip) return t.pass(skip);
  const pids = await Promise.all(['node1', 'node2', 'node3'].map((h) => sshRun(lab, h, 'pidof etcd')));
  const r = await apply(['node1', 'node2', 'node3', 'node4']);
  t.is(r.code, 0, r.stdout.slice(-3000));
  const recap = recapOf(r.stdout);
  for (const h of ['node1', 'node2', 'node3']) t.is(recap[h]?.changed, 0, h);
  const list = await etcdctl(4, client('root'), ['member', 'list']);
  t.is(list.out.trim().split('\n').filter((l) => l.includes(', started, ')).length, 4, list.out);
  t.is((await etcdctl(4, client('root'), ['endpoint', 'health'])).code, 0);
  const after = await Promise.all(['node1', 'node2', 'node3'].map((h) => sshRun(lab, h, 'pidof etcd')));
  t.deepEqual(after.map((p) => p.stdout), pids.map((p) => p.stdout));
});

test.serial('a stopped member is brought back; the data is untouched', async (t) => {
  if (skip) return t.pass(skip);
  await sshRun(lab, 'node2', '/etc/init.d/etcd stop');
  const r = await apply(['node1', 'node2', 'node3', 'node4']);
  t.is(r.code, 0);
  t.is(recapOf(r.stdout).node2?.changed, 1);
  const health = await etcdctl(4, client('root'), ['endpoint', 'health']);
  t.is(health.code, 0, health.out);
  t.is((await etcdctl(4, client('root'), ['get', 'k', '--print-value-only'])).out.trim(), 'before-join');
});

test.serial('member certificates re-issued: a rolling restart, one member at a time; a client never fails', async (t) => {
  if (skip) return t.pass(skip);
  const members = ['node1', 'node2', 'node3', 'node4'];
  const pids = await Promise.all(members.map((h) => sshRun(lab, h, 'pidof etcd')));
  for (const h of members) {
    const rev = await hostforge(['pki', 'revoke', h, '--reason', 'superseded'], { env });
    t.is(rev.code, 0, rev.stdout + rev.stderr);
  }
  // A client writes through the whole run; two members down at once (quorum of 4 is 3)
  // would make its writes fail.
  let done = false;
  let writes = 0;
  const failures: string[] = [];
  const writer = (async () => {
    while (!done) {
      const w = await etcdctl(4, client('root'), ['put', 'rolling', String(writes)]);
      if (w.code === 0) writes++;
      else failures.push(w.out);
    }
  })();
  const r = await apply(members);
  done = true;
  await writer;
  t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
  t.deepEqual(failures, []);
  t.true(writes > 5, `only ${writes} writes during the run`);
  const restarts = r.stdout.split('\n').filter((l) => l.includes('"task_result"') && l.includes('restart etcd') && l.includes('"changed"'));
  t.is(restarts.length, 4, restarts.join('\n'));
  const after = await Promise.all(members.map((h) => sshRun(lab, h, 'pidof etcd')));
  // The lab hosts share one kernel, so the processes' start times (clock ticks since boot,
  // /proc/PID/stat field 22) compare across hosts: one member at a time means each member
  // started well after the one before it was up.
  const starts = await Promise.all(members.map(async (h) => Number((await sshRun(lab, h, 'cut -d" " -f22 /proc/$(pidof etcd)/stat')).stdout.trim())));
  const sorted = [...starts].sort((a, b) => a - b);
  const gaps = sorted.slice(1).map((v, i) => v - sorted[i]!);
  for (const g of gaps) t.true(g > 25, `members restarted ${g * 10} ms apart: ${JSON.stringify(gaps)} ticks`);
  for (const [i, h] of members.entries()) t.not(after[i]!.stdout, pids[i]!.stdout, `${h} was not restarted`);
  t.is((await etcdctl(4, client('root'), ['endpoint', 'health'])).code, 0);
  const again = await apply(members);
  for (const [h, c] of Object.entries(recapOf(again.stdout))) t.is(c.changed, 0, h);
});

test.serial('no password and no private key in any output', async (t) => {
  if (skip) return t.pass(skip);
  const all = outputs.join('\n');
  t.false(all.includes(PASSWORD));
  t.false(all.includes('PRIVATE KEY'));
  t.true(all.length > 1000);
});
