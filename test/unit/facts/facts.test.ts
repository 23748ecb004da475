import test from 'ava';
import { hostname } from 'node:os';
import { FACTS_SCRIPT, gatherFacts, osFamily, parseFacts, parseIpAddrLine, toAnsibleFacts, unquoteOsRelease } from '../../../src/facts/index.js';
import { ANSIBLE_FACT_NAMES } from '../../../src/facts/ansible.js';
import { localExec } from '../../helpers/local-exec.js';

const LAB_OUTPUT = [
  'os_PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
  'os_NAME="Debian GNU/Linux"',
  'os_VERSION_ID="12"',
  'os_VERSION_CODENAME=bookworm',
  'os_ID=debian',
  'hostname=node2',
  'fqdn=node2.lab.example',
  'kernel=6.1.0-18-amd64',
  'kernel_version=#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)',
  'arch=x86_64',
  'pid1=tini',
  'systemd_dir=no',
  'user=root',
  'uid=0',
  'nproc=2',
  'memtotal_kb=4025000',
  'addr=1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  'addr=1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever',
  'addr=2: eth0@if7    inet 198.18.0.12/24 brd 198.18.0.255 scope global eth0\\       valid_lft forever preferred_lft forever',
  'addr=2: eth0@if7    inet6 fd00::12/64 scope global \\       valid_lft forever preferred_lft forever',
  'addr=2: eth0@if7    inet6 fe80::1/64 scope link \\       valid_lft forever preferred_lft forever',
  'addr=3: eth1    inet 10.9.0.5/16 brd 10.9.255.255 scope global eth1\\       valid_lft forever preferred_lft forever',
  'route4=default via 198.18.0.1 dev eth0 ',
].join('\n');

test('parseFacts: a lab host', (t) => {
  const f = parseFacts(LAB_OUTPUT);
  t.like(f, {
    hostname: 'node2',
    fqdn: 'node2.lab.example',
    os: { id: 'debian', version: '12', family: 'debian', pretty: 'Debian GNU/Linux 12 (bookworm)' },
    kernel: '6.1.0-18-amd64',
    arch: 'x86_64',
    init: 'sysvinit',
    user: 'root',
    default_ipv4: '198.18.0.12',
    default_ipv4_interface: 'eth0',
    default_ipv4_gateway: '198.18.0.1',
    os_codename: 'bookworm',
    uid: 0,
    nproc: 2,
    memtotal_mb: 3930,
  });
  t.deepEqual(f.addresses, ['198.18.0.12', '10.9.0.5', 'fd00::12']);
  t.deepEqual(f.interfaces, { lo: { ipv4: ['127.0.0.1'], ipv6: ['::1'] }, eth0: { ipv4: ['198.18.0.12'], ipv6: ['fd00::12', 'fe80::1'] }, eth1: { ipv4: ['10.9.0.5'], ipv6: [] } });
});

test('parseFacts: systemd, no default route, short hostname from an FQDN', (t) => {
  const out = LAB_OUTPUT.replace('pid1=tini', 'pid1=systemd').replace(/^route4=.*$/m, '').replace('hostname=node2', 'hostname=node2.lab.example');
  const f = parseFacts(out);
  t.is(f.init, 'systemd');
  t.is(f.hostname, 'node2');
  t.is(f.default_ipv4, '198.18.0.12', 'first global IPv4 without a default route');
  t.is(f.default_ipv4_interface, undefined);
});

test('parseFacts: unreadable /proc/1/comm falls back to /run/systemd/system', (t) => {
  t.is(parseFacts(LAB_OUTPUT.replace('pid1=tini', 'pid1=').replace('systemd_dir=no', 'systemd_dir=yes')).init, 'systemd');
  t.is(parseFacts(LAB_OUTPUT.replace('pid1=tini', 'pid1=')).init, 'sysvinit');
});

test('parseFacts: no ip command → hostname -I', (t) => {
  const out = LAB_OUTPUT.split('\n').filter((l) => !l.startsWith('addr=') && !l.startsWith('route4=')).join('\n') + '\nhostaddr=198.18.0.12 127.0.0.1 fd00::12 \n';
  const f = parseFacts(out);
  t.deepEqual(f.addresses, ['198.18.0.12', 'fd00::12']);
  t.is(f.default_ipv4, '198.18.0.12');
});

test('parseFacts: empty output gives empty but typed facts', (t) => {
  const f = parseFacts('');
  t.is(f.hostname, '');
  t.deepEqual(f.addresses, []);
  t.is(f.init, 'sysvinit');
});

test('helpers', (t) => {
  t.is(unquoteOsRelease('"a \\"b\\" c"'), 'a "b" c');
  t.is(unquoteOsRelease("'x y'"), 'x y');
  t.is(unquoteOsRelease('plain'), 'plain');
  t.is(osFamily('ubuntu', 'debian'), 'debian');
  t.is(osFamily('linuxmint', 'ubuntu debian'), 'debian');
  t.is(osFamily('rocky', 'rhel centos fedora'), 'redhat');
  t.is(osFamily('gentoo', ''), 'gentoo');
  t.deepEqual(parseIpAddrLine('5: hfbr0    inet 198.18.0.1/24 brd 198.18.0.255 scope global hfbr0'), { iface: 'hfbr0', family: 'inet', address: '198.18.0.1', prefix: 24, scope: 'global', broadcast: '198.18.0.255', label: 'hfbr0' });
  t.is(parseIpAddrLine('garbage'), null);
});

test('toAnsibleFacts', (t) => {
  const a = toAnsibleFacts(parseFacts(LAB_OUTPUT));
  t.like(a, {
    hostname: 'node2',
    domain: 'lab.example',
    distribution: 'Debian',
    distribution_major_version: '12',
    os_family: 'Debian',
    service_mgr: 'tini', // PID 1's name, as ansible-playbook reports on the lab (test/e2e/facts-compat)
    default_ipv4: { address: '198.18.0.12', interface: 'eth0', gateway: '198.18.0.1' },
    all_ipv4_addresses: ['198.18.0.12', '10.9.0.5'],
    memtotal_mb: 3930,
  });
  t.deepEqual(Object.keys(a).sort(), [...ANSIBLE_FACT_NAMES].sort(), 'preflight knows every name');
});

test('toAnsibleFacts: Debian point release from /etc/debian_version; service_mgr when PID 1 says nothing', (t) => {
  const withDv = toAnsibleFacts(parseFacts(`${LAB_OUTPUT}\ndebian_version=12.11`));
  t.like(withDv, { distribution_version: '12.11', distribution_major_version: '12', distribution_minor_version: '11' });
  t.like(toAnsibleFacts(parseFacts(`${LAB_OUTPUT}\ndebian_version=trixie/sid`)), { distribution_version: '12', distribution_minor_version: '' });
  const ubuntu = LAB_OUTPUT.replace('os_ID=debian', 'os_ID=ubuntu').replace('os_VERSION_ID="12"', 'os_VERSION_ID="22.04"');
  t.like(toAnsibleFacts(parseFacts(`${ubuntu}\ndebian_version=bookworm/sid`)), { distribution: 'Ubuntu', distribution_version: '22.04' });
  t.is(toAnsibleFacts(parseFacts(LAB_OUTPUT.replace('pid1=tini', 'pid1=systemd'))).service_mgr, 'systemd');
  t.is(toAnsibleFacts(parseFacts(LAB_OUTPUT.replace('pid1=tini', 'pid1=init'))).service_mgr, 'sysvinit');
  t.is(toAnsibleFacts(parseFacts(LAB_OUTPUT.replace('pid1=tini', 'pid1=bash'))).service_mgr, 'sysvinit');
});

test('the facts script runs under this machine\'s /bin/sh in one exec and parses', async (t) => {
  let calls = 0;
  const f = await gatherFacts({
    exec: (cmd) => {
      calls++;
      return localExec(cmd);
    },
  });
  t.is(calls, 1);
  t.is(f.hostname, hostname().split('.')[0]);
  t.not(f.kernel, '');
  t.not(f.arch, '');
  t.not(f.user, '');
  t.not(f.os.id, '');
  t.true(f.init === 'systemd' || f.init === 'sysvinit');
  t.true(Array.isArray(f.addresses));
  t.false(FACTS_SCRIPT.includes('\r'));
});

test('gatherFacts: a failing exec with no output is a TaskError', async (t) => {
  await t.throwsAsync(gatherFacts({ exec: async () => ({ code: 127, stdout: '', stderr: 'sh: not found' }) }), { message: /cannot gather facts.*not found/ });
});
