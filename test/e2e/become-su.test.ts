/**
 * become_method su on a real host: a login user without sudo becomes root with root's
 * password (ansible_become_password), which shows in no output, argv or file; a command's
 * own stdin still reaches it after the password; become_flags and a task's become_method;
 * a wrong password is a clear task failure, not a hang.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { events, hostforge, recapOf } from '../helpers/cli.js';
import { loginUserScript } from '../helpers/login-user.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const LAB = 'su';
const ROOT_PASSWORD = 'R00t su-pass!';
let lab: LabInfo;
let skip: string | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hf-su-'));

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 1);
  const pub = readFileSync(`${lab.keyPath}.pub`, 'utf8').trim();
  const setup = [
    `echo 'root:${ROOT_PASSWORD}' | chpasswd`,
    ...loginUserScript({ name: 'ops', publicKey: pub, sudo: 'none' }),
    'useradd -M -s /usr/sbin/nologin svc',
  ].join(' && ');
  const r = await sshRun(lab, 'node1', setup);
  if (r.code !== 0) throw new Error(r.stderr);
});
test.after.always(async () => {
  if (!skip) await stopLab(LAB);
});

function inventory(name: string, extra: string): string {
  const p = join(dir, name);
  const base = readFileSync(lab.inventoryPath, 'utf8');
  writeFileSync(p, base.replace(/ansible_user: root/, `ansible_user: ops\n${extra.split('\n').map((l) => `          ${l}`).join('\n')}`));
  return p;
}

const SU_PLAY = `- hosts: node1
  gather_facts: false
  become: true
  tasks:
    - name: root-owned file
      copy: {dest: /etc/hf-su.conf, content: "written through su\\n", mode: "0640"}
    - name: whoami
      command: id -un
      register: who
      changed_when: false
    - name: stdin after the password
      command: cat
      args: {stdin: "the command's own stdin"}
      register: fed
      changed_when: false
    - assert:
        that:
          - 'eq who.stdout "root"'
          - 'eq fed.stdout "the command''s own stdin"'
`;

test.serial('ansible_become_method su with root\'s password becomes root; the password is in no output, argv or file', async (t) => {
  if (skip) return t.pass(skip);
  const inv = inventory('su.yaml', `ansible_become_method: su\nansible_become_password: ${JSON.stringify(ROOT_PASSWORD)}`);
  const play = join(dir, 'su-play.yaml');
  writeFileSync(play, SU_PLAY);
  await sshRun(lab, 'node1', "nohup sh -c 'for i in $(seq 1 200); do cat /proc/[0-9]*/cmdline 2>/dev/null | tr \"\\\\0\" \" \" >> /root/argv.log; echo >> /root/argv.log; sleep 0.05; done' >/dev/null 2>&1 &");
  const r = await hostforge(['apply', play, '-i', inv, '-v']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.false((r.stdout + r.stderr).includes(ROOT_PASSWORD));
  t.false(r.stdout.includes('Password:'), 'su\'s prompt is not shown as output');
  t.is((await sshRun(lab, 'node1', "stat -c '%U %a' /etc/hf-su.conf")).stdout, 'root 640\n');
  await new Promise((res) => setTimeout(res, 500));
  const seen = await sshRun(lab, 'node1', 'cat /root/argv.log; grep -rlF -- "R00t su-pass" /root /tmp /etc /home 2>/dev/null | grep -v argv.log || true');
  t.regex(seen.stdout, /su root -c/, 'the watcher saw su run');
  t.false(seen.stdout.includes(ROOT_PASSWORD), 'no argv and no file holds the password');
  const again = await hostforge(['apply', play, '-i', inv, '--json']);
  t.is(recapOf(again.stdout).node1?.changed, 0, again.stdout.slice(-1500));
});

test.serial('a wrong su password is a clear task failure', async (t) => {
  if (skip) return t.pass(skip);
  const inv = inventory('su-bad.yaml', 'ansible_become_method: su\nansible_become_password: not-the-password');
  const r = await hostforge(['apply', join(dir, 'su-play.yaml'), '-i', inv], { timeoutMs: 60_000 });
  t.is(r.code, 2, r.stdout + r.stderr);
  t.regex(r.stdout, /su refused the become password for root \(ansible_become_password is wrong\)/);
});

test.serial('a task\'s become_method su and become_flags: a nologin account is reached only with -s /bin/sh', async (t) => {
  if (skip) return t.pass(skip);
  const play = (flags: string): string => {
    const p = join(dir, `svc${flags ? '-flags' : ''}.yaml`);
    writeFileSync(p, `- hosts: node1\n  gather_facts: false\n  become_method: sudo\n  tasks:\n    - name: as svc\n      command: id -un\n      become: true\n      become_user: svc\n      become_method: su\n${flags ? `      become_flags: "${flags}"\n` : ''}      register: who\n      changed_when: false\n    - assert: {that: ['eq who.stdout "svc"']}\n`);
    return p;
  };
  const without = await hostforge(['apply', play(''), '-i', lab.inventoryPath, '--json']);
  t.is(without.code, 2, without.stdout.slice(-1500));
  t.is(events(without.stdout).find((e) => e.status === 'failed')?.task, 'as svc', 'su to a nologin account fails without -s');
  const withFlags = await hostforge(['apply', play('-s /bin/sh'), '-i', lab.inventoryPath, '--json']);
  t.is(withFlags.code, 0, withFlags.stdout.slice(-1500));
});
