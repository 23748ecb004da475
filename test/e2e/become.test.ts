/**
 * become through sudo: a non-root login user writes root-owned files atomically only with
 * become; without it the task fails and nothing changes.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostforge, recapOf } from '../helpers/cli.js';
import { loginUserScript } from '../helpers/login-user.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const LAB = 'become';
const OPS_PASSWORD = 'Sudo-Pass w0rd!';
let lab: LabInfo;
let skip: string | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hf-become-'));

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 1);
  const pub = readFileSync(`${lab.keyPath}.pub`, 'utf8').trim();
  const setup = [
    ...loginUserScript({ name: 'deploy', publicKey: pub, sudo: 'nopasswd' }),
    // A second login whose sudo asks for its password.
    ...loginUserScript({ name: 'ops', publicKey: pub, password: OPS_PASSWORD, sudo: 'password' }),
  ].join(' && ');
  const r = await sshRun(lab, 'node1', setup);
  if (r.code !== 0) throw new Error(r.stderr);
});
test.after.always(async () => {
  if (!skip) await stopLab(LAB);
});

function playbook(become: boolean): string {
  const p = join(dir, `pb-${become}.yaml`);
  writeFileSync(p, `- hosts: node1\n  gather_facts: false\n  become: ${become}\n  tasks:\n    - name: root-owned file\n      copy:\n        dest: /etc/hf-become.conf\n        content: "written with become\\n"\n        mode: "0640"\n    - name: whoami\n      command: id -un\n      register: who\n      changed_when: false\n    - name: check\n      assert:\n        that: ["eq who.stdout \\"root\\""]\n`);
  return p;
}

test.serial('a non-root user writes a root-owned file only with become', async (t) => {
  if (skip) return t.pass(skip);
  const inv = join(dir, 'inv.yaml');
  writeFileSync(inv, `all:\n  children:\n    lab:\n      hosts:\n        node1:\n          ansible_user: deploy\n`);
  const without = await hostforge(['apply', playbook(false), '-i', lab.inventoryPath, '-i', inv, '--json']);
  t.is(without.code, 2, without.stdout.slice(-1500));
  t.is((await sshRun(lab, 'node1', 'test -e /etc/hf-become.conf && echo yes || echo no')).stdout.trim(), 'no');

  const withBecome = await hostforge(['apply', playbook(true), '-i', lab.inventoryPath, '-i', inv, '--json']);
  t.is(withBecome.code, 0, withBecome.stdout.slice(-1500));
  const st = await sshRun(lab, 'node1', "stat -c '%U %a' /etc/hf-become.conf; cat /etc/hf-become.conf; ls -a /etc /tmp | grep -c hostforge");
  t.is(st.stdout, 'root 640\nwritten with become\n0\n');
  const again = await hostforge(['apply', playbook(true), '-i', lab.inventoryPath, '-i', inv, '--json']);
  t.is(recapOf(again.stdout).node1?.changed, 0);
});

test.serial('a sudo password (ansible_become_password) becomes root; it shows in no output, argv or file', async (t) => {
  if (skip) return t.pass(skip);
  const inv = join(dir, 'ops.yaml');
  const base = readFileSync(lab.inventoryPath, 'utf8');
  writeFileSync(inv, base.replace(/ansible_user: root/g, 'ansible_user: ops').replace(/(\n(\s+)ansible_user: ops)/, `$1\n$2ansible_become_password: ${JSON.stringify(OPS_PASSWORD)}`));
  t.regex(readFileSync(inv, 'utf8'), /ansible_become_password/);
  // A watcher records every argv on the host while the run goes.
  await sshRun(lab, 'node1', "nohup sh -c 'for i in $(seq 1 200); do cat /proc/[0-9]*/cmdline 2>/dev/null | tr \"\\\\0\" \" \" >> /root/argv.log; echo >> /root/argv.log; sleep 0.05; done' >/dev/null 2>&1 &");
  const r = await hostforge(['apply', playbook(true), '-i', inv, '-v']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is((await sshRun(lab, 'node1', 'stat -c %U /etc/hf-become.conf')).stdout.trim(), 'root');
  t.false((r.stdout + r.stderr).includes(OPS_PASSWORD));
  await new Promise((res) => setTimeout(res, 500));
  const argv = await sshRun(lab, 'node1', 'cat /root/argv.log; grep -rlF -- "Sudo-Pass" /root /tmp /etc 2>/dev/null | grep -v argv.log || true');
  t.true(argv.stdout.includes('sudo -k -S'), 'the watcher saw sudo run');
  t.false(argv.stdout.includes(OPS_PASSWORD), 'no argv and no file holds the password');
  // A wrong password is a clear failure, not a hang.
  writeFileSync(join(dir, 'bad.yaml'), readFileSync(inv, 'utf8').replace(JSON.stringify(OPS_PASSWORD), '"wrong-password"'));
  const bad = await hostforge(['apply', playbook(true), '-i', join(dir, 'bad.yaml')], { timeoutMs: 60_000 });
  t.is(bad.code, 2, bad.stdout + bad.stderr);
  t.regex(bad.stdout + bad.stderr, /sudo refused the become password for root \(ansible_become_password is wrong\)/);
});
