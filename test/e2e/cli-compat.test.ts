/**
 * Where hostforge's CLI claims ansible-playbook's semantics, Debian's ansible-playbook on the
 * same input is the oracle: --list-hosts, --list-tasks and --list-tags (plays, patterns, hosts,
 * tasks of roles, imports and blocks, play/role/block/task tags, never/always/tagged/untagged,
 * --tags, --skip-tags, --limit) print the same; an ansible.cfg's [defaults] inventory and
 * roles_path are read as ansible-playbook reads them; and on real lab hosts its remote_user
 * logs in and its forks bounds how many hosts work at once, for both tools alike.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostforge } from '../helpers/cli.js';
import { hasAnsible } from '../helpers/ansible.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

function ansiblePlaybook(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = { ...process.env };
    delete clean.ANSIBLE_CONFIG;
    execFile('ansible-playbook', args, { cwd, env: { ...clean, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: '/tmp/hf-ansible-tmp', ...env }, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Ansible lists a play's hosts in set order: compare them sorted; drop its warnings. */
function normal(out: string): string {
  const lines = out.split('\n').filter((l) => !/^\[WARNING\]|^\s*$/.test(l));
  const res: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    res.push(lines[i]!);
    if (/^ {4}hosts \(\d+\):$/.test(lines[i]!)) {
      const hosts: string[] = [];
      while (i + 1 < lines.length && /^ {6}\S/.test(lines[i + 1]!) && !/\t/.test(lines[i + 1]!)) hosts.push(lines[++i]!);
      res.push(...hosts.sort());
    }
  }
  return res.join('\n');
}

function write(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

const INVENTORY = '[web]\nw1\nw2\nw3\n[db]\nd1\nd2\n[prod:children]\nweb\n[prod]\nd1\n[all:vars]\nansible_connection=local\n';
const FIXTURE: Record<string, string> = {
  'hosts.ini': INVENTORY,
  'site.yaml': [
    '- name: web tier',
    '  hosts: web:&prod',
    '  tags: [web]',
    '  roles:',
    '    - role: common',
    '      tags: [common]',
    '  tasks:',
    '    - name: config',
    '      copy: {dest: /tmp/hf-x, content: x}',
    '      tags: [config, files]',
    '    - import_tasks: extra.yaml',
    '    - block:',
    '        - name: inside block',
    '          debug: {msg: b}',
    '        - name: inside block, tagged',
    '          debug: {msg: c}',
    '          tags: [inner]',
    '      tags: [blk]',
    '    - name: only when asked',
    '      debug: {msg: n}',
    '      tags: [never, debugonly]',
    '- name: databases',
    '  hosts: db',
    '  tasks:',
    '    - name: untagged task',
    '      command: "true"',
    '    - name: always task',
    '      debug: {msg: a}',
    '      tags: [always]',
    '- name: first of all but one',
    '  hosts: all:!w2',
    '  gather_facts: false',
    '  tasks:',
    '    - name: everywhere',
    '      debug: {msg: e}',
    '      tags: [files]',
    '',
  ].join('\n'),
  'extra.yaml': '- name: imported\n  debug: {msg: i}\n  tags: [imp]\n- name: imported, untagged\n  debug: {msg: j}\n',
  'roles/common/tasks/main.yaml': '- name: role task\n  debug: {msg: r}\n- name: role task, tagged\n  debug: {msg: s}\n  tags: [rt]\n',
};

const CASES: string[][] = [
  [],
  ['--tags', 'files'],
  ['--tags', 'web,never'],
  ['--tags', 'debugonly'],
  ['--skip-tags', 'blk,imp'],
  ['--tags', 'tagged'],
  ['--tags', 'untagged'],
  ['--limit', 'w1:d2'],
  ['--tags', 'common', '--skip-tags', 'rt'],
];

test('--list-hosts, --list-tasks and --list-tags print what ansible-playbook prints', async (t) => {
  if (!hasAnsible) return t.pass('ansible-playbook is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'hf-list-'));
  write(dir, FIXTURE);
  for (const extra of CASES) {
    for (const what of [['--list-hosts'], ['--list-tasks'], ['--list-tags'], ['--list-hosts', '--list-tasks', '--list-tags']]) {
      const args = ['site.yaml', '-i', 'hosts.ini', ...what, ...extra];
      const a = await ansiblePlaybook(args, dir);
      t.is(a.code, 0, a.stderr);
      const h = await hostforge(['apply', ...args], { cwd: dir });
      t.is(h.code, 0, h.stderr);
      t.is(normal(h.stdout), normal(a.stdout), args.join(' '));
    }
  }
});

test('ansible.cfg [defaults]: inventory and roles_path as ansible-playbook reads them', async (t) => {
  if (!hasAnsible) return t.pass('ansible-playbook is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'hf-cfg-'));
  write(dir, {
    'ansible.cfg': '[defaults]\ninventory = inv/hosts.ini\nroles_path = shared-roles:more-roles\n',
    'inv/hosts.ini': INVENTORY,
    'site.yaml': '- name: shared roles\n  hosts: db\n  roles: [base, extra]\n',
    'shared-roles/base/tasks/main.yaml': '- name: from the first roles_path entry\n  debug: {msg: base}\n',
    'more-roles/extra/tasks/main.yaml': '- name: from the second entry\n  debug: {msg: extra}\n  tags: [x]\n',
  });
  const args = ['site.yaml', '--list-hosts', '--list-tasks', '--list-tags'];
  const a = await ansiblePlaybook(args, dir);
  t.is(a.code, 0, a.stderr);
  t.regex(a.stdout, /base : from the first roles_path entry/);
  const h = await hostforge(['apply', ...args], { cwd: dir, env: { HOSTFORGE_CONFIG: '' } });
  t.is(h.code, 0, h.stderr);
  t.is(normal(h.stdout), normal(a.stdout));
});

let lab: LabInfo | undefined;
test.after.always(async () => {
  if (lab) await stopLab('cfg');
});

/** The most intervals [start, end] open at one moment. */
function maxOverlap(spans: [number, number][]): number {
  const points = spans.flatMap(([s, e]) => [[s, 1], [e, -1]] as [number, number][]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of points) max = Math.max(max, (open += d));
  return max;
}

test('ansible.cfg remote_user and forks on real lab hosts: the same login user and the same bound for both tools', async (t) => {
  const skip = (await labSkipReason()) ?? (hasAnsible ? undefined : 'ansible-playbook is not installed');
  if (skip) return t.pass(skip);
  lab = await startLab('cfg', 3);
  for (const h of lab.hosts) {
    const r = await sshRun(lab, h.name, 'useradd -m -s /bin/sh alice && mkdir -p ~alice/.ssh && cp /root/.ssh/authorized_keys ~alice/.ssh/ && chown -R alice: ~alice/.ssh');
    t.is(r.code, 0, r.stderr);
  }
  const dir = mkdtempSync(join(tmpdir(), 'hf-cfg-lab-'));
  write(dir, {
    'ansible.cfg': `[defaults]\ninventory = hosts.ini\nremote_user = alice\nforks = 2\nprivate_key_file = ${lab.keyPath}\n`,
    'hosts.ini': [
      '[all]',
      ...lab.hosts.map((h) => `${h.name} ansible_host=${h.ip}`),
      '[all:vars]',
      `ansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes'`,
      `hostforge_known_hosts=${lab.knownHostsPath}`,
      'ansible_python_interpreter=/usr/bin/python3',
      '',
    ].join('\n'),
    'site.yaml': [
      '- hosts: all',
      '  gather_facts: false',
      '  tasks:',
      '    - name: who logs in, and when it works',
      '      shell: "id -un > /tmp/hf-cfg-user-{{tool}}; date +%s.%N > /tmp/hf-cfg-start-{{tool}}; sleep 3; date +%s.%N > /tmp/hf-cfg-end-{{tool}}"',
      '',
    ].join('\n'),
  });
  const a = await ansiblePlaybook(['site.yaml', '-e', 'tool=ansible'], dir, { SSH_AUTH_SOCK: '' });
  t.is(a.code, 0, a.stdout + a.stderr);
  const h = await hostforge(['apply', 'site.yaml', '-e', 'tool=hostforge'], { cwd: dir, env: { HOSTFORGE_CONFIG: '' } });
  t.is(h.code, 0, h.stdout + h.stderr);
  for (const tool of ['ansible', 'hostforge']) {
    const spans: [number, number][] = [];
    for (const host of lab.hosts) {
      const r = await sshRun(lab, host.name, `cat /tmp/hf-cfg-user-${tool} /tmp/hf-cfg-start-${tool} /tmp/hf-cfg-end-${tool}`);
      const [user, start, end] = r.stdout.trim().split('\n');
      t.is(user, 'alice', `${tool} on ${host.name}`);
      spans.push([Number(start), Number(end)]);
    }
    t.is(maxOverlap(spans), 2, `${tool}: forks = 2 → at most 2 hosts at once: ${JSON.stringify(spans)}`);
  }
});
