/**
 * The role test harness on real lab hosts: `hostforge role init demo && hostforge test demo`
 * passes as generated (and --keep leaves a reachable lab), `hostforge test etcd` passes, and
 * roles that are not idempotent, not honest in check mode or fail their verify tasks fail the
 * right phase with its exit code; a bad scenario is refused before any lab starts. Every lab
 * the harness started is gone afterwards.
 */
import test from 'ava';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostforge } from '../helpers/cli.js';
import { labSkipReason } from '../helpers/lab.js';
import { labDown, labList, labSshArgv, labStatus } from '../../src/lab/index.js';
import { spawnSync } from 'node:child_process';

const PREFIX = `${process.env.HF_LAB_PREFIX ?? ''}t-`;
let skip: string | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hf-role-test-'));

test.before(async () => {
  skip = await labSkipReason();
});

async function harnessLabs(): Promise<string[]> {
  return (await labList()).filter((n) => n.startsWith(PREFIX));
}

test.after.always(async () => {
  for (const n of await harnessLabs()) await labDown({ name: n });
});

function role(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

const phaseLine = (out: string, phase: string): string => out.split('\n').find((l) => l.startsWith(`${phase} `)) ?? '';

test.serial('role init demo && test demo --keep: every phase passes; the kept lab is reachable, the check lab gone', async (t) => {
  if (skip) return t.pass(skip);
  const init = await hostforge(['role', 'init', 'demo'], { cwd: dir });
  t.is(init.code, 0, init.stderr);
  const r = await hostforge(['test', 'demo', '--keep'], { cwd: dir });
  t.is(r.code, 0, r.stdout + r.stderr);
  for (const phase of ['lab', 'converge', 'idempotence', 'check', 'verify', 'destroy']) t.regex(phaseLine(r.stdout, phase), / ok /, `${phase}\n${r.stdout}`);
  t.regex(phaseLine(r.stdout, 'converge'), /\b[1-9]\d* change/);
  t.regex(r.stdout, /PASSED: demo/);
  const kept = /tear down: hostforge lab down --name (\S+)/.exec(r.stdout)?.[1];
  t.truthy(kept, r.stdout);
  const status = await labStatus(kept as string);
  t.is(status.state, 'up');
  t.is((await labStatus(`${kept as string}-c`)).state, 'down', 'the check lab is removed');
  const { labInfo } = await import('../../src/lab/index.js');
  const info = await labInfo(kept as string);
  const [file, ...args] = [...labSshArgv(info, 'node2'), '--', 'cat /etc/demo/demo.conf'];
  const ssh = spawnSync(file as string, args, { encoding: 'utf8', env: { ...process.env, SSH_AUTH_SOCK: '' } });
  t.is(ssh.stdout, '# managed by hostforge (role demo) on node2\ngreeting = hello from the test of demo on node2\n', ssh.stderr);
  await labDown({ name: kept as string });
});

test.serial('test etcd: the shipped role passes its scenario (3 members, mTLS, auth)', async (t) => {
  if (skip) return t.pass(skip);
  const r = await hostforge(['test', 'etcd']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(phaseLine(r.stdout, 'verify'), /ok +\d+ verify task\(s\) passed on 3 host/);
  t.false(r.stdout.includes('etcd-test-root-S3cret'), 'the root password is never printed');
  t.deepEqual(await harnessLabs(), []);
});

test.serial('test pki_node and test uwsgi_node: the other shipped roles pass their scenarios', async (t) => {
  if (skip) return t.pass(skip);
  for (const name of ['pki_node', 'uwsgi_node']) {
    const r = await hostforge(['test', name]);
    t.is(r.code, 0, r.stdout + r.stderr);
    t.regex(phaseLine(r.stdout, 'check'), /ok +the check run on fresh hosts listed exactly the converge's [1-9]\d* change/, name);
    t.regex(phaseLine(r.stdout, 'verify'), / ok /, name);
  }
  t.deepEqual(await harnessLabs(), []);
});

test.serial('a role that changes something on every run fails the idempotence phase (exit 6)', async (t) => {
  if (skip) return t.pass(skip);
  role('stamp', {
    'tasks/main.yaml': '- name: stamp\n  shell: date +%s%N > /root/stamp\n- name: a file\n  copy:\n    dest: /root/fixed\n    content: "x\\n"\n',
    'tests/scenario.yaml': 'hosts: 1\n',
  });
  const r = await hostforge(['test', join(dir, 'stamp')]);
  t.is(r.code, 6, r.stdout + r.stderr);
  t.regex(phaseLine(r.stdout, 'converge'), / ok /);
  t.regex(phaseLine(r.stdout, 'idempotence'), /FAILED +the second converge changed 1 thing/);
  t.regex(r.stdout, /node1 \| stamp : stamp: run: date \+%s%N > \/root\/stamp/);
  t.notRegex(r.stdout, /^check /m, 'later phases do not run');
  t.regex(phaseLine(r.stdout, 'destroy'), / ok /);
  t.regex(r.stdout, /FAILED: stamp at idempotence \(exit 6/);
  t.deepEqual(await harnessLabs(), []);
});

test.serial('a role whose check run would not list what the converge does fails the check phase (exit 7)', async (t) => {
  if (skip) return t.pass(skip);
  role('sneaky', {
    'tasks/main.yaml': '- name: only for real\n  copy:\n    dest: /root/real\n    content: "x\\n"\n  when: not ansible_check_mode\n',
    'tests/scenario.yaml': 'hosts: 1\n',
  });
  const r = await hostforge(['test', join(dir, 'sneaky')]);
  t.is(r.code, 7, r.stdout + r.stderr);
  t.regex(phaseLine(r.stdout, 'check'), /FAILED +the check run on fresh hosts differs from the converge \(1 change/);
  t.regex(r.stdout, /converge only: node1 \| sneaky : only for real \| +\| create file \/root\/real/);
  t.deepEqual(await harnessLabs(), []);
});

test.serial('failing verify tasks fail the verify phase (exit 8) and name the task', async (t) => {
  if (skip) return t.pass(skip);
  role('unverified', {
    'tasks/main.yaml': '- name: a file\n  copy:\n    dest: /root/one\n    content: "one\\n"\n',
    'tests/scenario.yaml': 'hosts: 2\nverify: verify.yaml\n',
    'tests/verify.yaml': '- name: the other file\n  stat:\n    path: /root/two\n  register: two\n- name: it exists\n  assert:\n    that: two.stat.exists\n',
  });
  const r = await hostforge(['test', join(dir, 'unverified')]);
  t.is(r.code, 8, r.stdout + r.stderr);
  t.regex(phaseLine(r.stdout, 'verify'), /FAILED/);
  t.regex(r.stdout, /node1 \| it exists: Assertion failed: two\.stat\.exists/);
  t.regex(r.stdout, /node2 \| it exists: /);
  t.deepEqual(await harnessLabs(), []);
});

test.serial('a bad scenario is refused with file:line:column, exit 1, and no lab is started', async (t) => {
  const root = role('badscenario', {
    'tasks/main.yaml': '- name: a file\n  copy:\n    dest: /root/one\n    content: "one\\n"\n',
    'tests/scenario.yaml': 'hosts: 2\nhots: 3\n',
  });
  const r = await hostforge(['test', root]);
  t.is(r.code, 1, r.stdout + r.stderr);
  t.regex(r.stderr, /tests\/scenario\.yaml:2:1: .*unknown key "hots"/);
  t.notRegex(r.stdout, /^lab /m);
  const missing = await hostforge(['test', join(dir, 'nope')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /role ".*nope" not found/);
  if (!skip) t.deepEqual(await harnessLabs(), []);
});
