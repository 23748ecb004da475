/**
 * etcd member remove (roles/etcd, etcd_remove_members) on real lab hosts: 4 members, one
 * taken out of the etcd group (and put in etcd_retired): without the option nothing
 * happens; with it, check mode lists the removal, the run removes it (3 members left), the
 * removed host's etcd is stopped and disabled and its data moved aside, and a second run
 * changes nothing. Removing a member when the members left would lose their healthy quorum
 * is refused with a clear error, and nothing is removed.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { events, hostforge, recapOf } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const run = promisify(execFile);
const LAB = 'etcd-remove';
const PASSWORD = 'etcd-remove-S3cret';
let lab: LabInfo;
let skip: string | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hf-etcd-remove-'));
const pkiDir = join(dir, 'pki');
const env = { HOSTFORGE_PKI_DIR: pkiDir, HOSTFORGE_CA_PASSPHRASE: 'ca-passphrase-for-tests' };
const outputs: string[] = [];

function groups(members: string[], retired: string[] = []): string {
  const file = join(dir, `groups-${members.join('-')}-${retired.join('-')}.yaml`);
  const hosts = (l: string[]) => (l.length === 0 ? '        {}\n' : l.map((m) => `        ${m}:\n`).join(''));
  writeFileSync(file, `all:\n  children:\n    etcd:\n      hosts:\n${hosts(members)}    etcd_retired:\n      hosts:\n${hosts(retired)}`);
  return file;
}

async function apply(members: string[], retired: string[], extra: string[] = []) {
  const r = await hostforge(['apply', 'playbooks/etcd.yaml', '-i', lab.inventoryPath, '-i', groups(members, retired), '-e', `etcd_root_password=${PASSWORD}`, '--json', ...extra], { env });
  outputs.push(r.stdout, r.stderr);
  return r;
}

async function memberNames(n: number): Promise<string[]> {
  const tls = [`--cacert=${join(pkiDir, 'ca.crt')}`, `--cert=${join(dir, 'root', 'root.crt')}`, `--key=${join(dir, 'root', 'root.key')}`];
  const endpoints = lab.hosts.slice(0, n).map((h) => `https://${h.ip}:2379`).join(',');
  const r = await run('etcdctl', [`--endpoints=${endpoints}`, '--dial-timeout=3s', '--command-timeout=10s', ...tls, 'member', 'list', '-w', 'json'], { timeout: 60_000 });
  return (JSON.parse(r.stdout) as { members: { name: string }[] }).members.map((m) => m.name).sort();
}

const changesOf = (stdout: string, host: string) =>
  events(stdout)
    .filter((e) => e.type === 'task_result' && e.host === host)
    .flatMap((e) => (e.changes ?? []).map((c) => `${e.task} | ${c.action} ${c.target}`));

const all = ['node1', 'node2', 'node3', 'node4'];
const three = ['node1', 'node2', 'node3'];

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 4);
  const init = await hostforge(['pki', 'init', '--cn', 'etcd remove test CA'], { env });
  if (init.code !== 0) throw new Error(init.stderr);
  const r = await hostforge(['pki', 'issue', 'root', '--usage', 'client', '--out', join(dir, 'root')], { env });
  if (r.code !== 0) throw new Error(r.stderr);
});

test.after.always(async () => {
  if (!skip) await stopLab(LAB);
});

test.serial('4 members; a host taken out of the group stays a member while etcd_remove_members is off (the default)', async (t) => {
  if (skip) return t.pass(skip);
  const r = await apply(all, []);
  t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
  t.deepEqual(await memberNames(4), all);
  const off = await apply(three, ['node4']);
  t.is(off.code, 0, off.stdout.slice(-3000));
  for (const [h, c] of Object.entries(recapOf(off.stdout))) t.is(c.changed, 0, h);
  t.deepEqual(await memberNames(4), all);
  t.is((await sshRun(lab, 'node4', 'pidof etcd')).code, 0, 'etcd still runs on node4');
});

test.serial('with etcd_remove_members: check lists the removal, the run removes it; the removed etcd is stopped, its data moved aside', async (t) => {
  if (skip) return t.pass(skip);
  const opt = ['-e', '{"etcd_remove_members": true}'];
  const check = await apply(three, ['node4'], [...opt, '--check']);
  t.is(check.code, 0, check.stdout.slice(-3000));
  const planned = changesOf(check.stdout, 'node1');
  t.deepEqual(planned, ['etcd : members taken out of the etcd group leave the cluster | delete etcd member node4'], check.stdout.slice(-3000));
  const summary = events(check.stdout).flatMap((e) => e.changes ?? []).find((c) => c.target === 'etcd member node4')?.summary ?? '';
  t.regex(summary, /^remove member node4 \(id [0-9a-f]+, https:\/\/198\.\S+:2380\) from the cluster: not in group etcd$/);
  t.deepEqual(await memberNames(4), all, 'check mode removed nothing');
  const retire = changesOf(check.stdout, 'node4');
  t.true(retire.some((c) => c.startsWith("etcd : the removed member's data is moved aside")), retire.join('\n'));

  const r = await apply(three, ['node4'], opt);
  t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
  t.deepEqual(changesOf(r.stdout, 'node1'), planned);
  for (const h of ['node2', 'node3']) t.deepEqual(changesOf(r.stdout, h), [], h);
  // Every change of the removed host was in the check run's list. The check also lists
  // stopping etcd there, which the run may find done: etcd shuts a removed member down itself.
  t.log(`node4 in the run: ${changesOf(r.stdout, 'node4').join('; ')}`);
  for (const c of changesOf(r.stdout, 'node4')) t.true(retire.includes(c), `${c} not in the check run: ${retire.join('; ')}`);
  t.deepEqual(await memberNames(3), three);
  t.not((await sshRun(lab, 'node4', 'pidof etcd')).code, 0, 'etcd no longer runs on node4');
  const data = await sshRun(lab, 'node4', 'test ! -e /var/lib/etcd/hostforge && ls -d /var/lib/etcd/hostforge.removed-*/member');
  t.is(data.code, 0, data.stdout + data.stderr);
});

test.serial('a second run changes nothing', async (t) => {
  if (skip) return t.pass(skip);
  const r = await apply(three, ['node4'], ['-e', '{"etcd_remove_members": true}']);
  t.is(r.code, 0, r.stdout.slice(-3000));
  for (const [h, c] of Object.entries(recapOf(r.stdout))) t.is(c.changed, 0, h);
  t.deepEqual(await memberNames(3), three);
});

test.serial('removing a member when the members left would lose quorum is refused: nothing removed', async (t) => {
  if (skip) return t.pass(skip);
  // node2 is down; declaring only node1 and node2 would leave 1 healthy member of 2.
  t.is((await sshRun(lab, 'node2', '/etc/init.d/etcd stop >/dev/null 2>&1; ! pidof etcd >/dev/null')).code, 0);
  const r = await apply(['node1', 'node2'], [], ['-e', '{"etcd_remove_members": true}', '--check']);
  t.is(r.code, 2, r.stdout.slice(-3000));
  const failed = events(r.stdout).find((e) => e.type === 'task_result' && e.status === 'failed');
  t.is(failed?.host, 'node1');
  t.regex(failed?.msg ?? '', /refusing to remove node3: the 2 members left would have 1 healthy, below their quorum of 2 \(not healthy: node2\)/);
  t.is((await sshRun(lab, 'node2', '/etc/init.d/etcd start >/dev/null 2>&1; sleep 1; pidof etcd')).code, 0);
  t.deepEqual(await memberNames(3), three);
  t.false(outputs.join('\n').includes(PASSWORD));
});
