/**
 * reboot on real lab hosts, and "reboot required".
 *
 * A lab host has no kernel of its own to boot, so the test (and only the test) sets the
 * module's reboot_command and boot_time_command to the lab's stand-in (fixtures/reboot/
 * lab-reboot): every process of the host but its init ends, /run starts empty, the host gets
 * a new boot id, and sshd comes back after a few seconds in which SSH is refused. The SSH
 * session hostforge is on really ends, so the engine really drops and re-opens it.
 *
 * node1: root, direct. node2: a sudo user with become (become must work over the new login).
 * node3: reachable only through node4 (ProxyJump; iptables in node3's namespace drops any
 * other SSH), so the new login goes through the jump host again. node4: the jump host.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPaths } from '../../src/lab/rootfs.js';
import { events, hostforge, recapOf, REPO } from '../helpers/cli.js';
import { hasAnsible, runCommand } from '../helpers/ansible.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabHost, type LabInfo } from '../helpers/lab.js';

const LAB = 'reboot';
let lab: LabInfo;
let skip: string | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hf-reboot-'));
let n: LabHost[];

const LAB_BOOT_ID = 'cat /run/lab-boot-id 2>/dev/null || echo first-boot';

function ns(host: LabHost, argv: string[]): string {
  const r = spawnSync('ip', ['netns', 'exec', host.netns, ...argv], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${host.name}: ${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A file of a lab host, read from its overlay's upper directory (node3 takes no SSH from here). */
function hostFile(host: string, path: string): string {
  try {
    return readFileSync(join(hostPaths(lab.stateDir, host).upper, path), 'utf8');
  } catch {
    return '';
  }
}

const reboots = (host: string): number => hostFile(host, 'var/log/lab-reboots').split('\n').filter(Boolean).length;

const REBOOT_PLAY = `- hosts: all
  gather_facts: false
  tasks:
    - name: a kernel argument
      kernel_cmdline:
        args_present: [elevator=cfq]
        create: true
    - name: reboot
      reboot:
        reboot_command: "lab-reboot {{default lab_down 3}}"
        search_paths: [/usr/local/sbin]
        boot_time_command: "${LAB_BOOT_ID}"
        reboot_timeout: "{{default reboot_timeout 120}}"
        connect_timeout: 5
      register: r
    - name: after the reboot, over the new login
      copy:
        dest: /etc/hf-after-reboot
        content: "rebooted={{r.rebooted}} elapsed={{r.elapsed}}\\n"
    - name: who runs the commands now
      command: id -un
      register: who
      changed_when: false
      check_mode: false
    - name: still root through become
      assert:
        that: ["eq who.stdout \\"root\\""]
`;

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 4);
  n = lab.hosts;
  const pub = readFileSync(`${lab.keyPath}.pub`, 'utf8').trim();
  const stand = readFileSync(join(REPO, 'test', 'fixtures', 'reboot', 'lab-reboot'), 'utf8');
  for (const h of n) {
    const r = await sshRun(lab, h, 'cat > /usr/local/sbin/lab-reboot && chmod 755 /usr/local/sbin/lab-reboot', { stdin: stand });
    if (r.code !== 0) throw new Error(r.stderr);
  }
  const deploy = [
    'useradd -m -s /bin/sh deploy',
    'mkdir -p /home/deploy/.ssh',
    `echo '${pub}' > /home/deploy/.ssh/authorized_keys`,
    'chown -R deploy:deploy /home/deploy/.ssh && chmod 700 /home/deploy/.ssh && chmod 600 /home/deploy/.ssh/authorized_keys',
    "echo 'deploy ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/deploy && chmod 0440 /etc/sudoers.d/deploy",
  ].join(' && ');
  const d = await sshRun(lab, 'node2', deploy);
  if (d.code !== 0) throw new Error(d.stderr);
  // node3 takes SSH from the jump host node4 only.
  ns(n[2]!, ['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-s', n[3]!.ip, '-j', 'ACCEPT']);
  ns(n[2]!, ['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-s', '127.0.0.1', '-j', 'ACCEPT']);
  ns(n[2]!, ['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'DROP']);
  writeFileSync(join(dir, 'ssh_config'), [
    'Host jump',
    `  HostName ${n[3]!.ip}`,
    '  User root',
    `  IdentityFile ${lab.keyPath}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${lab.knownHostsPath}`,
    '  StrictHostKeyChecking yes',
    '',
  ].join('\n'));
  const host = (h: LabHost, extra: string[]): string[] => [`    ${h.name}:`, `      ansible_host: ${h.ip}`, ...extra.map((l) => `      ${l}`)];
  writeFileSync(join(dir, 'inventory.yaml'), [
    'all:',
    '  vars:',
    `    ansible_ssh_private_key_file: ${lab.keyPath}`,
    `    hostforge_known_hosts: ${lab.knownHostsPath}`,
    '    ansible_user: root',
    '  hosts:',
    ...host(n[0]!, []),
    ...host(n[1]!, ['ansible_user: deploy', 'ansible_become: true']),
    ...host(n[2]!, ['ansible_ssh_common_args: "-J jump"', 'hostforge_connect_timeout: 5']),
    ...host(n[3]!, []),
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'reboot.yaml'), REBOOT_PLAY);
});

test.after.always(async () => {
  if (!skip) await stopLab(LAB);
});

const apply = (play: string, ...extra: string[]) =>
  hostforge(['apply', join(dir, play), '-i', join(dir, 'inventory.yaml'), ...extra], { env: { HOSTFORGE_SSH_CONFIG: join(dir, 'ssh_config') } });

interface RunEnd {
  rebootRequired?: Record<string, string[]>;
}
const runEnd = (stdout: string): RunEnd => (events(stdout).find((e) => e.type === 'run_end') ?? {}) as RunEnd;

test.serial('check mode: the reboot is a change, and nothing happens', async (t) => {
  if (skip) return t.pass(skip);
  const r = await apply('reboot.yaml', '--check', '--json', '--limit', 'node1:node2:node3');
  t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
  const planned = events(r.stdout).filter((e) => e.type === 'task_result' && e.task === 'reboot');
  t.deepEqual(planned.map((e) => `${e.host} ${e.status}`).sort(), ['node1 changed', 'node2 changed', 'node3 changed']);
  t.regex(planned[0]!.changes![0]!.summary, /^reboot \(\/usr\/local\/sbin\/lab-reboot 3\), then wait up to 120 s/);
  t.deepEqual([reboots('node1'), reboots('node2'), reboots('node3')], [0, 0, 0]);
  t.is(hostFile('node1', 'etc/hf-after-reboot'), '');
  t.deepEqual(runEnd(r.stdout).rebootRequired, {}, 'the planned reboot comes after the planned kernel argument');
});

test.serial('reboot: SSH drops and comes back; the play goes on over a new login (become, ProxyJump)', async (t) => {
  if (skip) return t.pass(skip);
  const t0 = Date.now();
  const r = await apply('reboot.yaml', '--json', '--limit', 'node1:node2:node3');
  t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
  t.true(Date.now() - t0 >= 4000, 'each host was down for 3 s');
  for (const h of ['node1', 'node2', 'node3']) {
    t.is(reboots(h), 1, `${h} rebooted once`);
    t.regex(hostFile(h, 'etc/hf-after-reboot'), /^rebooted=true elapsed=([3-9]|[1-9]\d)\n$/, h);
    const rc = recapOf(r.stdout)[h]!;
    t.is(rc.failed + rc.unreachable, 0, h);
    t.is(rc.changed, 3, `${h}: kernel argument, reboot, file after`);
  }
  t.deepEqual(runEnd(r.stdout).rebootRequired, {}, 'the reboot came after the kernel argument');
  // node1 answers with a new boot id and a fresh sshd; the run's own session is gone.
  const now = await sshRun(lab, 'node1', `${LAB_BOOT_ID}; ls /run`);
  t.regex(now.stdout, /^[0-9a-f-]{36}\nlab-boot-id\n/);
  t.notRegex(now.stdout, /hostforge-reboot|reboot-required/, 'a boot starts with an empty /run');
});

test.serial('reboot required: in the recap and --json, kept in /var/run/reboot-required for later runs, cleared by a reboot', async (t) => {
  if (skip) return t.pass(skip);
  writeFileSync(join(dir, 'boot-changes.yaml'), `- hosts: node4
  gather_facts: false
  tasks:
    - name: a kernel argument
      kernel_cmdline:
        args_present: [elevator=cfq]
        create: true
    - name: a tmpfs at boot
      fstab:
        line: tmpfs /mnt/hf-scratch tmpfs nosuid,size=4m 0 0
`);
  const first = await apply('boot-changes.yaml');
  t.is(first.code, 0, first.stdout + first.stderr);
  t.regex(first.stdout, /\nnode4 : reboot required: kernel command line in \/etc\/default\/grub; fstab entry for \/mnt\/hf-scratch in \/etc\/fstab\n/);
  const flag = await sshRun(lab, 'node4', 'cat /var/run/reboot-required /var/run/reboot-required.hostforge');
  t.is(flag.stdout, '*** System restart required ***\nkernel command line in /etc/default/grub\nfstab entry for /mnt/hf-scratch in /etc/fstab\n');

  // A second run changes nothing and still knows; apt's packages are named too.
  await sshRun(lab, 'node4', 'echo linux-image-amd64 > /var/run/reboot-required.pkgs');
  const second = await apply('boot-changes.yaml', '--json');
  t.is(recapOf(second.stdout).node4?.changed, 0);
  t.deepEqual(runEnd(second.stdout).rebootRequired, {
    node4: ['kernel command line in /etc/default/grub', 'fstab entry for /mnt/hf-scratch in /etc/fstab', '/var/run/reboot-required (linux-image-amd64)'],
  });
  const check = await apply('boot-changes.yaml', '--json', '--check');
  t.deepEqual(runEnd(check.stdout).rebootRequired, runEnd(second.stdout).rebootRequired, 'check mode reads the flag too');

  // Debian's flag alone (apt wrote it) on a host this run does not change.
  await sshRun(lab, 'node1', "printf '*** System restart required ***\\n' > /var/run/reboot-required; printf 'libc6\\nlibc6\\n' > /var/run/reboot-required.pkgs");
  writeFileSync(join(dir, 'noop.yaml'), '- hosts: node1\n  gather_facts: false\n  tasks:\n    - name: nothing\n      command: "true"\n      changed_when: false\n');
  const apt = await apply('noop.yaml', '--json');
  t.deepEqual(runEnd(apt.stdout).rebootRequired, { node1: ['/var/run/reboot-required (libc6)'] });

  // A reboot clears it (a boot starts with an empty /run).
  writeFileSync(join(dir, 'just-reboot.yaml'), `- hosts: node4
  gather_facts: false
  tasks:
    - name: reboot
      reboot:
        reboot_command: lab-reboot 1
        search_paths: /usr/local/sbin
        boot_time_command: "${LAB_BOOT_ID}"
        reboot_timeout: 120
`);
  const rebooted = await apply('just-reboot.yaml', '--json');
  t.is(rebooted.code, 0, rebooted.stdout.slice(-2000));
  t.deepEqual(runEnd(rebooted.stdout).rebootRequired, {});
  const after = await apply('boot-changes.yaml');
  t.false(after.stdout.includes('reboot required'), after.stdout);
});

test.serial('uwsgi_node: the reboot handler runs only where hostforge_reboot is true; elsewhere the recap says reboot required', async (t) => {
  if (skip) return t.pass(skip);
  writeFileSync(join(dir, 'role.yaml'), '- hosts: node1:node2\n  gather_facts: true\n  roles:\n    - uwsgi_node\n');
  writeFileSync(join(dir, 'role-vars.yaml'), [
    'all:',
    '  hosts:',
    '    node1:',
    '      hostforge_reboot: true',
    "      hostforge_reboot_command: '/usr/local/sbin/lab-reboot 2'",
    `      hostforge_boot_time_command: '${LAB_BOOT_ID}'`,
    '      hostforge_reboot_timeout: 120',
    '    node2: {}',
    '  vars:',
    '    uwsgi_node_grub_create: true',
    '    uwsgi_node_grub_path: /etc/default/grub-uwsgi',
    '    uwsgi_node_quota_src: /dev/vda',
    '    uwsgi_node_quota_fstype: ext4',
    '',
  ].join('\n'));
  const before = [reboots('node1'), reboots('node2')];
  const r = await hostforge(
    ['apply', join(dir, 'role.yaml'), '-i', join(dir, 'inventory.yaml'), '-i', join(dir, 'role-vars.yaml'), '--roles-path', join(REPO, 'roles'), '--tags', 'grub,fstab', '--json'],
    { env: { HOSTFORGE_SSH_CONFIG: join(dir, 'ssh_config') } },
  );
  t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
  const handler = events(r.stdout).filter((e) => e.type === 'task_result' && /reboot for the kernel command line and fstab/.test(e.task ?? ''));
  t.deepEqual(handler.map((e) => `${e.host} ${e.status}`).sort(), ['node1 changed', 'node2 skipped']);
  t.deepEqual([reboots('node1') - before[0]!, reboots('node2') - before[1]!], [1, 0]);
  t.deepEqual(runEnd(r.stdout).rebootRequired, {
    node2: ['kernel command line in /etc/default/grub-uwsgi', 'fstab entry for / in /etc/fstab', 'fstab entry for /sys/fs/cgroup in /etc/fstab'],
  });
});

test.serial("Debian's ansible-playbook on the same host and arguments: the same result (rebooted, elapsed, changed), in check mode too", async (t) => {
  if (skip) return t.pass(skip);
  if (!hasAnsible) return t.pass('ansible-playbook is not installed');
  const play = `- hosts: node4
  gather_facts: false
  tasks:
    - name: reboot
      reboot:
        reboot_command: lab-reboot 2
        search_paths: [/usr/local/sbin]
        boot_time_command: "${LAB_BOOT_ID}"
        reboot_timeout: 120
      register: r
    - name: show
      debug:
        var: r
`;
  writeFileSync(join(dir, 'oracle.yaml'), play);
  writeFileSync(join(dir, 'oracle.ini'), [
    `node4 ansible_host=${n[3]!.ip} ansible_user=root ansible_ssh_private_key_file=${lab.keyPath} ansible_python_interpreter=/usr/bin/python3`,
    `[all:vars]`,
    `ansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'`,
    `hostforge_known_hosts=${lab.knownHostsPath}`,
    '',
  ].join('\n'));
  // Ansible's copy of the play also dumps the registered result on the bastion (Jinja: its own file).
  const dump = join(dir, 'ansible-r.json');
  writeFileSync(join(dir, 'oracle-ansible.yaml'), `${play}    - name: dump
      copy:
        dest: ${dump}
        content: "{{ r | to_json }}"
      delegate_to: localhost
      check_mode: false
`);
  const theirs = async (check: boolean): Promise<Record<string, unknown>> => {
    const r = await runCommand('ansible-playbook', ['-i', join(dir, 'oracle.ini'), join(dir, 'oracle-ansible.yaml'), ...(check ? ['--check'] : [])], { ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3' });
    if (r.code !== 0) throw new Error(`ansible-playbook: ${r.stdout.slice(-3000)} ${r.stderr}`);
    return JSON.parse(readFileSync(dump, 'utf8')) as Record<string, unknown>;
  };
  const ours = async (check: boolean): Promise<Record<string, unknown>> => {
    const r = await hostforge(['apply', join(dir, 'oracle.yaml'), '-i', join(dir, 'oracle.ini'), '--json', ...(check ? ['--check'] : [])]);
    if (r.code !== 0) throw new Error(`hostforge: ${r.stdout.slice(-3000)} ${r.stderr}`);
    const shown = events(r.stdout).find((e) => e.type === 'task_result' && e.task === 'show') as { display?: string } | undefined;
    return (JSON.parse(shown?.display ?? '{}') as { r?: Record<string, unknown> }).r ?? {};
  };
  const pick = (r: Record<string, unknown>) => ({ changed: r.changed, rebooted: r.rebooted, elapsed: typeof r.elapsed === 'number' ? (r.elapsed as number) >= 2 : r.elapsed });

  const before = reboots('node4');
  const a = await theirs(false);
  t.is(reboots('node4'), before + 1, 'ansible-playbook rebooted the host');
  const h = await ours(false);
  t.is(reboots('node4'), before + 2, 'and so did hostforge');
  t.deepEqual(pick(h), pick(a));
  t.deepEqual(pick(a), { changed: true, rebooted: true, elapsed: true });
  const ac = await theirs(true);
  const hc = await ours(true);
  t.deepEqual({ changed: hc.changed, rebooted: hc.rebooted, elapsed: hc.elapsed }, { changed: ac.changed, rebooted: ac.rebooted, elapsed: ac.elapsed });
  t.deepEqual({ changed: ac.changed, rebooted: ac.rebooted, elapsed: ac.elapsed }, { changed: true, rebooted: true, elapsed: 0 });
  t.is(reboots('node4'), before + 2, 'check mode reboots nothing, with either tool');
});

test.serial('a host that never comes back fails after reboot_timeout (exit 2); the other hosts go on', async (t) => {
  if (skip) return t.pass(skip);
  writeFileSync(join(dir, 'never.yaml'), 'all:\n  hosts:\n    node2:\n      lab_down: never\n');
  const t0 = Date.now();
  const r = await hostforge(['apply', join(dir, 'reboot.yaml'), '-i', join(dir, 'inventory.yaml'), '-i', join(dir, 'never.yaml'), '--limit', 'node1:node2', '-e', '{"reboot_timeout": 10}', '--json'], {
    env: { HOSTFORGE_SSH_CONFIG: join(dir, 'ssh_config') },
  });
  const took = Date.now() - t0;
  t.is(r.code, 2, r.stdout.slice(-3000) + r.stderr);
  const recap = recapOf(r.stdout);
  t.like(recap.node2, { failed: 1, unreachable: 0 });
  t.like(recap.node1, { failed: 0, unreachable: 0 });
  const failed = events(r.stdout).find((e) => e.type === 'task_result' && e.host === 'node2' && e.task === 'reboot');
  t.regex(failed?.msg ?? '', /^Timed out waiting for last boot time check \(timeout=10\)/);
  t.true(took >= 10_000, `gave up after ${took} ms`);
  // node1 rebooted and went on with the play; node2 did not get the later task.
  t.regex(hostFile('node1', 'etc/hf-after-reboot'), /^rebooted=true/);
  const after = events(r.stdout).filter((e) => e.type === 'task_result' && e.task === 'after the reboot, over the new login').map((e) => e.host);
  t.deepEqual(after, ['node1']);
});
