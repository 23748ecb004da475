/**
 * The reboot e2e lab (test/e2e/reboot.test.ts): the lab's stand-in for a reboot installed on
 * every host (fixtures/reboot/lab-reboot), node2's sudo user, node3 reachable only through the
 * jump host node4, and the inventory and ssh_config that say so. Helpers read the hosts' files.
 */
import { loginUserScript } from './login-user.js';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostPaths } from '../../src/lab/rootfs.js';
import { events, REPO } from './cli.js';
import { sshRun, type LabHost, type LabInfo } from './lab.js';

/** The lab's boot id: a new one in /run after each stand-in reboot. */
export const LAB_BOOT_ID = 'cat /run/lab-boot-id 2>/dev/null || echo first-boot';

export function ns(host: LabHost, argv: string[]): string {
  const r = spawnSync('ip', ['netns', 'exec', host.netns, ...argv], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${host.name}: ${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A file of a lab host, read from its overlay's upper directory (node3 takes no SSH from here). */
export function hostFile(lab: LabInfo, host: string, path: string): string {
  try {
    return readFileSync(join(hostPaths(lab.stateDir, host).upper, path), 'utf8');
  } catch {
    return '';
  }
}

export const reboots = (lab: LabInfo, host: string): number => hostFile(lab, host, 'var/log/lab-reboots').split('\n').filter(Boolean).length;

/** Hosts ready for the tests; writes DIR/ssh_config and DIR/inventory.yaml. */
export async function prepareRebootLab(lab: LabInfo, dir: string): Promise<void> {
  const n = lab.hosts;
  const pub = readFileSync(`${lab.keyPath}.pub`, 'utf8').trim();
  const stand = readFileSync(join(REPO, 'test', 'fixtures', 'reboot', 'lab-reboot'), 'utf8');
  for (const h of n) {
    const r = await sshRun(lab, h, 'cat > /usr/local/sbin/lab-reboot && chmod 755 /usr/local/sbin/lab-reboot', { stdin: stand });
    if (r.code !== 0) throw new Error(r.stderr);
  }
  const deploy = loginUserScript({ name: 'deploy', publicKey: pub, sudo: 'nopasswd' }).join(' && ');
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
}

export interface RunEnd {
  rebootRequired?: Record<string, string[]>;
}
export const runEnd = (stdout: string): RunEnd => (events(stdout).find((e) => e.type === 'run_end') ?? {}) as RunEnd;
