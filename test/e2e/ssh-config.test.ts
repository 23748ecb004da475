/**
 * The operator's ssh_config reaches hostforge's connections: an alias with HostName, User,
 * IdentityFile and UserKnownHostsFile only in the config file; inventory variables win over it.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostforge, recapOf } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const LAB = 'sshcfg';
let lab: LabInfo;
let skip: string | undefined;
let dir: string;

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 1);
  dir = mkdtempSync(join(tmpdir(), 'hf-sshcfg-'));
  const h = lab.hosts[0]!;
  writeFileSync(join(dir, 'config'), [
    'Host web-alias',
    `  HostName ${h.ip}`,
    '  User root',
    `  IdentityFile ${lab.keyPath}`,
    `  UserKnownHostsFile ${lab.knownHostsPath}`,
    '  ConnectTimeout 5',
    'Host *',
    '  User nobody-by-default',
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'play.yaml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - copy:\n        dest: /root/hf-sshcfg\n        content: "via ssh_config\\n"\n');
});

test.after.always(async () => {
  if (!skip) await stopLab(LAB);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test.serial('an ssh_config alias is reached with its HostName, User, IdentityFile and known_hosts', async (t) => {
  if (skip) return t.pass(skip);
  writeFileSync(join(dir, 'inv.yaml'), 'all:\n  hosts:\n    web-alias: {}\n');
  const r = await hostforge(['apply', join(dir, 'play.yaml'), '-i', join(dir, 'inv.yaml'), '--json'], { env: { HOSTFORGE_SSH_CONFIG: join(dir, 'config') } });
  t.is(r.code, 0, r.stdout.slice(-2000) + r.stderr);
  t.is(recapOf(r.stdout)['web-alias']?.changed, 1);
  t.is((await sshRun(lab, 'node1', 'cat /root/hf-sshcfg')).stdout, 'via ssh_config\n');
});

test.serial('inventory variables win over ssh_config; ansible_ssh_common_args -o options are read', async (t) => {
  if (skip) return t.pass(skip);
  // The config's User for every other host is wrong; the inventory's ansible_user wins.
  writeFileSync(join(dir, 'inv2.yaml'), `all:\n  hosts:\n    other:\n      ansible_host: ${lab.hosts[0]!.ip}\n      ansible_user: root\n      ansible_ssh_private_key_file: ${lab.keyPath}\n      ansible_ssh_common_args: "-o UserKnownHostsFile=${lab.knownHostsPath} -o ConnectTimeout=5"\n`);
  const r = await hostforge(['apply', join(dir, 'play.yaml'), '-i', join(dir, 'inv2.yaml'), '--json'], { env: { HOSTFORGE_SSH_CONFIG: join(dir, 'config') } });
  t.is(r.code, 0, r.stdout.slice(-2000) + r.stderr);
  // Without the inventory's user, the config's "nobody-by-default" is used and refused.
  writeFileSync(join(dir, 'inv3.yaml'), `all:\n  hosts:\n    other:\n      ansible_host: ${lab.hosts[0]!.ip}\n      ansible_ssh_private_key_file: ${lab.keyPath}\n      ansible_ssh_common_args: "-o UserKnownHostsFile=${lab.knownHostsPath}"\n`);
  const bad = await hostforge(['apply', join(dir, 'play.yaml'), '-i', join(dir, 'inv3.yaml'), '--json'], { env: { HOSTFORGE_SSH_CONFIG: join(dir, 'config') } });
  t.is(bad.code, 4, bad.stdout.slice(-1500) + bad.stderr);
  t.regex(bad.stdout, /nobody-by-default/);
});
