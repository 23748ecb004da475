import test from 'ava';
import { fixSysctlLines, sameSysctlValue, sysctlModule, sysctlValue, type SysctlArgs } from '../../../src/modules/sysctl.js';
import { validator } from '../../../src/playbook/schema.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { runTwice } from '../../helpers/module-run.js';

/** A fake kernel: `sysctl -e -n`, `-w k=v` and `-p FILE` over a map of live values. */
function kernel(h: FakeHost, live: Record<string, string>): FakeHost {
  h.on(/^sysctl -e -n /, (t) => {
    const k = t.split(' ').pop()!;
    return k in live ? { stdout: `${live[k]}\n` } : { stdout: '' };
  });
  h.on(/^sysctl (-e )?-w /, (t) => {
    const [k, v] = t.replace(/^sysctl (-e )?-w /, '').replace(/^'|'$/g, '').split('=') as [string, string];
    live[k] = v;
    return {};
  });
  h.on(/^sysctl (-e )?-p /, (t) => {
    const file = t.split(' ').pop()!;
    for (const line of (h.text(file) ?? '').split('\n')) {
      const m = /^([^#;=]+)=(.*)$/.exec(line);
      if (m) live[m[1]!.trim()] = m[2]!.trim();
    }
    return {};
  });
  return h;
}

test('sysctl: schema', (t) => {
  const v = validator(sysctlModule.args as object, false);
  t.true(v({ name: 'net.ipv4.ip_forward', value: 1 }));
  t.true(v({ key: 'vm.swappiness', val: '10', sysctl_file: '/etc/sysctl.d/60-x.conf', reload: false }));
  t.true(v({ name: 'vm.swappiness', state: 'absent' }));
  t.false(v({ name: 'vm.swappiness' }));
  t.false(v({ value: 1 }));
  t.false(v({ name: 'a', key: 'b', value: 1 }));
  t.false(v({ name: 'a', value: 1, bogus: true }));
});

test('sysctl: values and the file rewrite as Ansible does them', (t) => {
  t.is(sysctlValue(true), '1');
  t.is(sysctlValue('off'), '0');
  t.is(sysctlValue(' 4096 87380 6291456 '), '4096 87380 6291456');
  t.true(sameSysctlValue('4096\t87380   6291456', '4096 87380 6291456'));
  t.false(sameSysctlValue(null, '1'));
  const text = '# comment\n  net.a = 1\nnet.b=2\nnet.a=3\n\n;x\nvm.x = 5';
  t.is(fixSysctlLines(text, 'net.a', '9', true), '# comment\nnet.a=9\nnet.b=2\n\n;x\nvm.x=5\n');
  t.is(fixSysctlLines(text, 'net.a', '', false), '# comment\nnet.b=2\n\n;x\nvm.x=5\n');
  t.is(fixSysctlLines('', 'net.c', '1', true), 'net.c=1\n');
});

interface Case {
  name: string;
  files: Record<string, string>;
  live: Record<string, string>;
  args: SysctlArgs;
  first: string[];
  file?: [string, string | undefined];
  liveAfter?: Record<string, string>;
}

const D = '/etc/sysctl.d/60-hf.conf';
const cases: Case[] = [
  {
    name: 'new drop-in file, reload sets the live value',
    files: { '/etc/sysctl.d/README': '' },
    live: { 'net.ipv4.ip_forward': '0' },
    args: { name: 'net.ipv4.ip_forward', value: 1, sysctl_file: D },
    first: ['create file', 'run command'],
    file: [D, 'net.ipv4.ip_forward=1\n'],
    liveAfter: { 'net.ipv4.ip_forward': '1' },
  },
  {
    name: 'file right, live wrong: reload only',
    files: { [D]: 'net.ipv4.ip_forward=1\n' },
    live: { 'net.ipv4.ip_forward': '0' },
    args: { name: 'net.ipv4.ip_forward', value: '1', sysctl_file: D },
    first: ['run command'],
    liveAfter: { 'net.ipv4.ip_forward': '1' },
  },
  {
    name: 'file right, live wrong, reload off: nothing (Ansible does not look)',
    files: { [D]: 'net.ipv4.ip_forward=1\n' },
    live: { 'net.ipv4.ip_forward': '0' },
    args: { name: 'net.ipv4.ip_forward', value: '1', sysctl_file: D, reload: false },
    first: [],
  },
  {
    name: 'sysctl_set without reload: sysctl -w',
    files: { [D]: 'net.ipv4.ip_forward=1\n' },
    live: { 'net.ipv4.ip_forward': '0' },
    args: { name: 'net.ipv4.ip_forward', value: '1', sysctl_file: D, reload: false, sysctl_set: true },
    first: ['update other'],
    liveAfter: { 'net.ipv4.ip_forward': '1' },
  },
  {
    name: 'value with tabs in the kernel matches spaces',
    files: { [D]: 'net.ipv4.tcp_rmem=4096 87380 6291456\n' },
    live: { 'net.ipv4.tcp_rmem': '4096\t87380\t6291456' },
    args: { name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456', sysctl_file: D },
    first: [],
  },
  {
    name: 'state absent removes the key and keeps the rest',
    files: { [D]: 'a.b=1\nnet.x = 2\n' },
    live: { 'net.x': '2', 'a.b': '1' },
    args: { name: 'net.x', state: 'absent', sysctl_file: D },
    first: ['update file', 'run command'],
    file: [D, 'a.b=1\n'],
  },
  {
    name: 'state absent, file missing: nothing',
    files: {},
    live: {},
    args: { name: 'net.x', state: 'absent', sysctl_file: D },
    first: [],
  },
  {
    name: 'mode of the file is managed',
    files: { [D]: 'net.x=1\n' },
    live: { 'net.x': '1' },
    args: { name: 'net.x', value: 1, sysctl_file: D, mode: '0600', reload: false },
    first: ['update attributes'],
  },
];

for (const c of cases) {
  test(`sysctl: ${c.name}`, async (t) => {
    const live = { ...c.live };
    const host = kernel(new FakeHost({ files: c.files }), live);
    const { first, second } = await runTwice(sysctlModule, host, c.args);
    t.deepEqual(first.map((x) => `${x.action} ${x.kind}`), c.first);
    t.deepEqual(second, [], 'second run changes nothing');
    if (c.file) t.is(host.text(c.file[0]), c.file[1]);
    if (c.liveAfter) t.like(live, c.liveAfter);
  });
}
