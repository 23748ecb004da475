/**
 * ProxyJump through a two-hop chain of lab hosts. node1 and node2 are the jump hosts; node3
 * and node4 are inner hosts. iptables in the hosts' own network namespaces makes the chain
 * real: node2 accepts SSH only from node1, node3/node4 only from node2, so the bastion
 * reaches the inner hosts through both hops or not at all. A counting rule (SYNs from the
 * allowed peer) on each host proves one TCP connection per hop for the whole run.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostforge, recapOf } from '../helpers/cli.js';
import { labSkipReason, startLab, stopLab, type LabHost, type LabInfo } from '../helpers/lab.js';

const LAB = 'proxy';
let lab: LabInfo;
let skip: string | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hf-jump-'));
let n: LabHost[];

function ns(host: LabHost, argv: string[]): string {
  const r = spawnSync('ip', ['netns', 'exec', host.netns, ...argv], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${host.name}: ${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Only `from` may open SSH connections to `host`; its SYNs are counted by the first rule. */
function onlyFrom(host: LabHost, from: string): void {
  ns(host, ['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '22', '--syn', '-s', from, '-m', 'comment', '--comment', 'hf-count']);
  ns(host, ['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-s', from, '-j', 'ACCEPT']);
  ns(host, ['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-s', '127.0.0.1', '-j', 'ACCEPT']);
  ns(host, ['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'DROP']);
}

function synCount(host: LabHost): number {
  const line = ns(host, ['iptables', '-L', 'INPUT', '-v', '-x', '-n']).split('\n').find((l) => l.includes('hf-count'));
  return Number(line?.trim().split(/\s+/)[0] ?? NaN);
}
const zero = (): void => n.forEach((h) => ns(h, ['iptables', '-Z', 'INPUT']));

function sshConfig(knownHosts2: string): string {
  const login = (name: string, ip: string, kh = lab.knownHostsPath): string[] => [
    `Host ${name}`,
    `  HostName ${ip}`,
    '  User root',
    `  IdentityFile ${lab.keyPath}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${kh}`,
    '  StrictHostKeyChecking yes',
    '  ConnectTimeout 5',
  ];
  return [
    ...login('jump1', n[0]!.ip),
    ...login('jump2', n[1]!.ip, knownHosts2),
    '  ProxyJump jump1',
    ...login('inner3', n[2]!.ip),
    ...login('inner4', n[3]!.ip),
    'Host inner*',
    '  ProxyJump jump2',
    '',
  ].join('\n');
}

const PLAY = `- hosts: all
  gather_facts: true
  tasks:
    - name: a file on each inner host
      copy:
        dest: /root/hf-jump
        content: "{{ansible_hostname}} reached through two jump hosts\\n"
    - name: a command
      command: hostname
      register: h
      changed_when: false
`;

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 4);
  n = lab.hosts;
  const bastion = n[0]!.ip.replace(/\.\d+$/, (m) => `.${Number(m.slice(1)) - 1}`);
  onlyFrom(n[0]!, bastion);
  onlyFrom(n[1]!, n[0]!.ip);
  onlyFrom(n[2]!, n[1]!.ip);
  onlyFrom(n[3]!, n[1]!.ip);
  writeFileSync(join(dir, 'config'), sshConfig(lab.knownHostsPath));
  writeFileSync(join(dir, 'play.yaml'), PLAY);
});
test.after.always(async () => {
  if (!skip) await stopLab(LAB);
});

const env = (): Record<string, string> => ({ HOSTFORGE_SSH_CONFIG: join(dir, 'config') });

test.serial('the inner hosts cannot be reached directly', async (t) => {
  if (skip) return t.pass(skip);
  writeFileSync(join(dir, 'direct.yaml'), `all:\n  hosts:\n    direct3:\n      ansible_host: ${n[2]!.ip}\n      ansible_user: root\n      ansible_ssh_private_key_file: ${lab.keyPath}\n      hostforge_known_hosts: ${lab.knownHostsPath}\n      hostforge_connect_timeout: 2\n`);
  const r = await hostforge(['apply', join(dir, 'play.yaml'), '-i', join(dir, 'direct.yaml'), '--json'], { env: env() });
  t.is(r.code, 4, r.stdout.slice(-1500) + r.stderr);
});

test.serial('a two-hop chain from ssh_config converges, one connection per hop, the same as OpenSSH reaches', async (t) => {
  if (skip) return t.pass(skip);
  writeFileSync(join(dir, 'inv.yaml'), 'all:\n  hosts:\n    inner3: {}\n    inner4: {}\n');
  zero();
  const r = await hostforge(['apply', join(dir, 'play.yaml'), '-i', join(dir, 'inv.yaml'), '--json'], { env: env() });
  t.is(r.code, 0, r.stdout.slice(-2000) + r.stderr);
  t.is(recapOf(r.stdout).inner3?.changed, 1);
  t.is(recapOf(r.stdout).inner4?.changed, 1);
  t.deepEqual(n.map(synCount), [1, 1, 1, 1], 'one TCP connection into each jump host and each inner host');

  zero();
  const again = await hostforge(['apply', join(dir, 'play.yaml'), '-i', join(dir, 'inv.yaml'), '--json'], { env: env() });
  t.is(again.code, 0, again.stdout.slice(-2000));
  t.is(recapOf(again.stdout).inner3?.changed, 0);
  t.deepEqual(n.map(synCount), [1, 1, 1, 1]);

  // OpenSSH itself, with the same config file, sees what hostforge wrote.
  const ssh = spawnSync('ssh', ['-F', join(dir, 'config'), '-o', 'BatchMode=yes', 'inner4', 'cat /root/hf-jump'], { encoding: 'utf8', env: { ...process.env, SSH_AUTH_SOCK: '' }, timeout: 30_000 });
  t.is(ssh.stdout, 'node4 reached through two jump hosts\n', ssh.stderr);
});

test.serial('-J in ansible_ssh_common_args: user@host hops from the inventory', async (t) => {
  if (skip) return t.pass(skip);
  const host = (h: LabHost): string => `    ${h.name}:\n      ansible_host: ${h.ip}\n      ansible_user: root\n      ansible_ssh_private_key_file: ${lab.keyPath}\n      hostforge_known_hosts: ${lab.knownHostsPath}\n`;
  writeFileSync(join(dir, 'inv-j.yaml'), `all:\n  vars:\n    ansible_ssh_common_args: "-J root@jump1:22,jump2 -o ServerAliveInterval=3"\n  hosts:\n${host(n[2]!)}${host(n[3]!)}`);
  zero();
  const r = await hostforge(['apply', join(dir, 'play.yaml'), '-i', join(dir, 'inv-j.yaml'), '--json'], { env: env() });
  t.is(r.code, 0, r.stdout.slice(-2000) + r.stderr);
  t.is(recapOf(r.stdout).node3?.changed, 0, 'the same file, already there');
  t.deepEqual(n.map(synCount), [1, 1, 1, 1]);
});

test.serial('a wrong host key on the second hop is refused and names the hop; nothing behind it is contacted', async (t) => {
  if (skip) return t.pass(skip);
  // jump2's known_hosts gives it node4's keys.
  const kh = readFileSync(lab.knownHostsPath, 'utf8').split('\n').filter(Boolean);
  const forged = [...kh.filter((l) => !l.startsWith(`${n[1]!.ip} `)), ...kh.filter((l) => l.startsWith(`${n[3]!.ip} `)).map((l) => l.replace(n[3]!.ip, n[1]!.ip))];
  writeFileSync(join(dir, 'kh-forged'), `${forged.join('\n')}\n`);
  writeFileSync(join(dir, 'config-forged'), sshConfig(join(dir, 'kh-forged')));
  zero();
  const r = await hostforge(['apply', join(dir, 'play.yaml'), '-i', join(dir, 'inv.yaml')], { env: { HOSTFORGE_SSH_CONFIG: join(dir, 'config-forged') } });
  t.is(r.code, 4, r.stdout + r.stderr);
  t.regex(r.stdout, /inner3: jump host jump2 \(root@[\d.]+:22\): HOST KEY MISMATCH/);
  t.regex(r.stdout, /inner4: jump host jump2 /);
  t.deepEqual(n.map(synCount), [1, 1, 0, 0], 'the hop was tried once for both hosts; no inner host was contacted');
});

test.serial('an unreachable jump host is exit 4 naming the hop', async (t) => {
  if (skip) return t.pass(skip);
  writeFileSync(join(dir, 'inv-dead.yaml'), `all:\n  hosts:\n    inner3:\n      ansible_ssh_common_args: "-J root@127.0.0.1:1"\n`);
  const r = await hostforge(['apply', join(dir, 'play.yaml'), '-i', join(dir, 'inv-dead.yaml')], { env: env() });
  t.is(r.code, 4, r.stdout + r.stderr);
  t.regex(r.stdout, /inner3: jump host 127\.0\.0\.1 \(root@127\.0\.0\.1:1\): .*ECONNREFUSED/);
});
