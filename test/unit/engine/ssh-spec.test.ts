/**
 * ProxyJump resolution: each hop through the same ssh_config by its own name, user@/:port in
 * the hop win, the first hop's own ProxyJump is followed, loops and ProxyCommand are refused.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../../src/errors.js';
import { withSshConfig } from '../../../src/engine/ssh-spec.js';
import { defaultSource, loadSource } from '../../../src/sshconfig/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hf-sshspec-'));
const key = join(dir, 'key');
writeFileSync(key, 'not a real key\n');

function items(text: string) {
  const f = join(dir, `c${Math.random().toString(36).slice(2)}`);
  writeFileSync(f, text);
  return loadSource(defaultSource(f));
}
const base = { name: 'app', host: 'app', port: 22, user: 'me', connectTimeoutMs: 10_000 };
const hops = (s: ReturnType<typeof withSshConfig>): string[] => (s.jumps ?? []).map((h) => `${h.name}=${h.user}@${h.host}:${h.port}`);

const config = [
  'Host j1',
  '  HostName 198.18.4.2',
  '  User ops',
  `  IdentityFile ${key}`,
  `  UserKnownHostsFile ${dir}/kh1`,
  '  ServerAliveInterval 7',
  'Host j2',
  '  HostName 198.18.4.3',
  '  Port 2222',
  '  ProxyJump j1',
  `  UserKnownHostsFile ${dir}/kh2`,
  'Host app',
  '  HostName 198.18.4.10',
  '  ProxyJump j2',
  '  ServerAliveInterval 2',
  '  ServerAliveCountMax 4',
  '',
].join('\n');

test('a ProxyJump from ssh_config: hops resolved by name, the first hop\'s own ProxyJump followed', (t) => {
  const s = withSshConfig(base, {}, items(config));
  t.is(s.host, '198.18.4.10');
  t.deepEqual(hops(s), ['jump host j1=ops@198.18.4.2:22', 'jump host j2=me@198.18.4.3:2222'].map((x) => x.replace('=me@', `=${s.jumps![1]!.user}@`)));
  t.is(s.jumps![0]!.privateKeyFile, key);
  t.is(s.jumps![0]!.knownHostsFile, `${dir}/kh1`);
  t.is(s.jumps![1]!.knownHostsFile, `${dir}/kh2`);
  t.is(s.jumps![0]!.keepaliveIntervalMs, 7000);
  t.is(s.keepaliveIntervalMs, 2000);
  t.is(s.keepaliveCountMax, 4);
});

test('-J in ansible_ssh_common_args wins over the config, user@host:port in a hop wins over the hop\'s config', (t) => {
  const s = withSshConfig(base, { ansible_ssh_common_args: '-J root@j1:2200,j2 -o ServerAliveInterval=0' }, items(config));
  t.deepEqual(s.jumps!.map((h) => `${h.user}@${h.host}:${h.port}`), ['root@198.18.4.2:2200', `${s.jumps![1]!.user}@198.18.4.3:2222`]);
  t.is(s.keepaliveIntervalMs, 0, 'ServerAliveInterval 0 turns keepalives off');
  const none = withSshConfig(base, { ansible_ssh_common_args: '-o ProxyJump=none' }, items(config));
  t.is(none.jumps, undefined);
});

test('no ServerAlive options: the transport default applies (undefined here)', (t) => {
  const s = withSshConfig({ ...base, host: 'j1' }, {}, items(config));
  t.is(s.jumps, undefined);
  t.is(s.keepaliveCountMax, undefined);
});

test('a ProxyJump loop and ProxyCommand are refused by name', (t) => {
  const loop = t.throws(() => withSshConfig(base, {}, items('Host *\n  ProxyJump bastion\n')), { instanceOf: InputError });
  t.regex(loop!.message, /ProxyJump loop: bastion → bastion/);
  const pc = t.throws(() => withSshConfig(base, { ansible_ssh_common_args: '-o ProxyCommand="ssh -W %h:%p b"' }, items('')), { instanceOf: InputError });
  t.regex(pc!.message, /ProxyCommand is not supported/);
});
