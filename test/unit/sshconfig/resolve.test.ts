/**
 * ssh_config resolution compared with OpenSSH itself: for each case, `ssh -G -F FILE
 * [-o ...] HOST` prints what OpenSSH resolved, and ours must equal it for every key
 * hostforge uses.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSource, loadSource, parseSshArgs, resolveRaw, sshOptions, type SshOptions } from '../../../src/sshconfig/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hf-sshcfg-'));
mkdirSync(join(dir, 'conf.d'));
writeFileSync(join(dir, 'conf.d', '10-web.conf'), 'Host web*\n  User www\n  Port 2201\n');
writeFileSync(join(dir, 'conf.d', '20-db.conf'), 'Host db*\n  HostName %h.db.internal\n  IdentityFile %d/.ssh/db_%r\nHost web1\n  Port 9999\n');
writeFileSync(join(dir, 'conf.d', 'skip.txt'), 'Host *\n  User never\n');
writeFileSync(join(dir, 'inner.conf'), 'User inner\nPort 3000\n');

interface Case {
  name: string;
  config: string;
  host: string;
  args?: string;
}

const cases: Case[] = [
  { name: 'defaults', config: '', host: 'plain' },
  { name: 'alias with HostName %h', config: 'Host app\n  HostName %h.example.com\n  User deploy\n  Port 2222\n', host: 'app' },
  { name: 'first value wins', config: 'Host app\n  User first\nHost *\n  User second\n  Port 2\nHost app\n  Port 3\n', host: 'app' },
  { name: 'wildcards * and ?', config: 'Host node?\n  User q\nHost n*\n  Port 44\n', host: 'node7' },
  { name: '? needs exactly one character', config: 'Host node?\n  User q\n', host: 'node12' },
  { name: 'negation excludes', config: 'Host *.lab !bad.lab\n  User labber\n', host: 'bad.lab' },
  { name: 'negation, other host', config: 'Host *.lab !bad.lab\n  User labber\n', host: 'good.lab' },
  { name: 'negation alone matches nothing', config: 'Host !x\n  User neg\n', host: 'y' },
  { name: 'several patterns', config: 'Host a b c\n  Port 1234\n', host: 'b' },
  { name: 'host patterns are case-sensitive', config: 'Host app\n  Port 2345\n', host: 'APP' },
  { name: 'hostname is lowercased', config: 'Host app\n  HostName App.Example.COM\n', host: 'app' },
  { name: 'Match host sees HostName', config: 'Host app\n  HostName 198.18.0.9\nMatch host 198.18.*\n  User matched\n', host: 'app' },
  { name: 'Match originalhost', config: 'Host app\n  HostName 198.18.0.9\nMatch originalhost app\n  Port 2020\n', host: 'app' },
  { name: 'Match negated criterion', config: 'Match !host app\n  User notapp\n', host: 'other' },
  { name: 'Match host list', config: 'Match host x,y,z\n  User xyz\n', host: 'y' },
  { name: 'Match host list negated entry', config: 'Match host *,!y\n  User xyz\n', host: 'y' },
  { name: 'Match all', config: 'Match all\n  Port 2929\n', host: 'any' },
  { name: 'Match user', config: 'Host app\n  User deploy\nMatch user deploy\n  Port 2424\n', host: 'app' },
  { name: 'Match final uses the final name', config: 'Host app\n  HostName real.example\nMatch final host real.example\n  User fin\n', host: 'app' },
  { name: 'Host in final pass', config: 'Host app\n  HostName real.example\nMatch final\n  Port 2\nHost real.example\n  User viafinal\n', host: 'app' },
  { name: 'IdentityFile accumulates, raw', config: 'Host app\n  IdentityFile ~/.ssh/app_%h_%u\n  IdentitiesOnly yes\nHost *\n  IdentityFile /keys/all\n', host: 'app' },
  { name: 'IdentityFile duplicate kept once', config: 'Host app\n  IdentityFile /k\nHost *\n  IdentityFile /k\n', host: 'app' },
  { name: 'ProxyJump chain', config: 'Host inner\n  ProxyJump ops@bastion:2200,jump2\n', host: 'inner' },
  { name: 'ProxyJump none', config: 'Host inner\n  ProxyJump none\nHost *\n  ProxyJump b\n', host: 'inner' },
  { name: 'UserKnownHostsFile tokens', config: 'Host app\n  UserKnownHostsFile ~/.ssh/kh_%h /etc/kh_%n\n  HostName real\n', host: 'app' },
  { name: 'StrictHostKeyChecking accept-new', config: 'Host *\n  StrictHostKeyChecking accept-new\n', host: 'a' },
  { name: 'StrictHostKeyChecking no', config: 'Host *\n  StrictHostKeyChecking no\n', host: 'a' },
  { name: 'StrictHostKeyChecking yes', config: 'Host *\n  StrictHostKeyChecking yes\n', host: 'a' },
  { name: 'ConnectTimeout and keepalives', config: 'Host *\n  ConnectTimeout 7\n  ServerAliveInterval 5\n  ServerAliveCountMax 2\n', host: 'a' },
  { name: 'keys are case-insensitive', config: 'host app\n  hostname h.example\n  USER Up\n  port 77\n', host: 'app' },
  { name: 'key=value syntax', config: 'Host=app\n  User=eq\n  Port = 88\n', host: 'app' },
  { name: 'options before any Host apply to all', config: 'User top\nHost app\n  User later\n', host: 'app' },
  { name: 'Include glob sorted', config: `Include ${dir}/conf.d/*.conf\nHost *\n  User fallback\n`, host: 'web1' },
  { name: 'Include glob, db', config: `Include ${dir}/conf.d/*.conf\n`, host: 'db3' },
  { name: 'Include inside Host applies only there', config: `Host app\n  Include ${dir}/inner.conf\nHost *\n  Port 5\n`, host: 'app' },
  { name: 'Include inside Host, other host', config: `Host app\n  Include ${dir}/inner.conf\nHost *\n  Port 5\n`, host: 'other' },
  { name: 'Include of a missing file', config: `Include ${dir}/nope/*.conf\nHost *\n  Port 6\n`, host: 'a' },
  { name: '-o wins over the file', config: 'Host app\n  User file\n  Port 1\n', host: 'app', args: '-o User=cli -o Port=2022' },
  { name: '-oKey=Value and -o "Key Value"', config: 'Host app\n  User file\n', host: 'app', args: '-oUser=cli "-o" "ConnectTimeout 9"' },
  { name: '-J sets the jump', config: 'Host app\n  ProxyJump fromfile\n', host: 'app', args: '-J root@j1:22,j2' },
  { name: '-o ProxyJump and -o IdentityFile', config: '', host: 'app', args: '-o ProxyJump=j1 -o IdentityFile=/k/cli' },
  { name: '-o User changes Match user', config: 'Match user cli\n  Port 3131\n', host: 'app', args: '-o User=cli' },
];

function sshG(configFile: string, host: string, args: string[]): Map<string, string[]> {
  const r = spawnSync('ssh', ['-G', '-F', configFile, ...args, host], { encoding: 'utf8', env: { ...process.env, SSH_AUTH_SOCK: '' } });
  if (r.status !== 0) throw new Error(`ssh -G failed: ${r.stderr}`);
  const out = new Map<string, string[]>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+) (.*)$/.exec(line);
    if (!m) continue;
    const k = m[1]!.toLowerCase();
    out.set(k, [...(out.get(k) ?? []), m[2]!]);
  }
  return out;
}

function ours(o: SshOptions): Record<string, string[] | undefined> {
  const hop = (h: SshOptions['proxyJump'][number]): string => `${h.user ? `${h.user}@` : ''}${h.host}${h.port ? `:${h.port}` : ''}`;
  return {
    hostname: [o.hostName],
    user: [o.user],
    port: [String(o.port)],
    identityfile: o.identityFilesRaw.length ? o.identityFilesRaw : undefined,
    identitiesonly: [o.identitiesOnly ? 'yes' : 'no'],
    proxyjump: o.proxyJump.length ? [o.proxyJump.map(hop).join(',')] : undefined,
    userknownhostsfile: [o.userKnownHostsFiles.join(' ')],
    stricthostkeychecking: [{ yes: 'true', no: 'false', ask: 'ask', 'accept-new': 'accept-new' }[o.strictHostKeyChecking]],
    connecttimeout: [o.connectTimeoutS === undefined ? 'none' : String(o.connectTimeoutS)],
    serveraliveinterval: [String(o.serverAliveIntervalS)],
    serveralivecountmax: [String(o.serverAliveCountMax)],
  };
}

const hasSsh = spawnSync('ssh', ['-V']).status === 0;

cases.forEach((c, i) => {
  test(`ssh -G agrees: ${c.name}`, (t) => {
    if (!hasSsh) return t.pass('no ssh client');
    const file = join(dir, `case${i}.conf`);
    writeFileSync(file, c.config);
    const cli = c.args ? parseSshArgs(c.args, 'args') : { options: [] };
    const raw = resolveRaw(c.host, loadSource(defaultSource(file)), cli.options);
    const mine = ours(sshOptions(c.host, raw));
    const theirs = sshG(file, c.host, c.args ? c.args.match(/"[^"]*"|\S+/g)!.map((w) => w.replace(/^"|"$/g, '')) : []);
    for (const [key, value] of Object.entries(mine)) {
      if (value === undefined) {
        if (key === 'identityfile') t.true((theirs.get(key) ?? []).every((f) => f.startsWith('~/.ssh/id_')), `${key}: ${theirs.get(key)}`);
        else t.is(theirs.get(key), undefined, key);
      } else t.deepEqual(value, theirs.get(key), key);
    }
  });
});

test('Include paths are relative to ~/.ssh; -F none reads nothing', (t) => {
  t.deepEqual(defaultSource('none').files, []);
  t.is(defaultSource(join(dir, 'x')).files[0]!.baseDir.endsWith('.ssh'), true);
});

test('IdentityFile and UserKnownHostsFile tokens expand', (t) => {
  const file = join(dir, 'tok.conf');
  writeFileSync(file, 'Host app\n  HostName real.example\n  User ops\n  Port 2200\n  IdentityFile ~/.ssh/%h-%r-%p\n  IdentityFile %d/k_%n\n  UserKnownHostsFile /kh/%h_%p\n');
  const o = sshOptions('app', resolveRaw('app', loadSource(defaultSource(file))));
  const home = (process.env.HOME ?? '').replace(/\/$/, '');
  t.deepEqual(o.identityFiles.map((f) => f.replace(home, '~')), ['~/.ssh/real.example-ops-2200', '~/k_app']);
  t.deepEqual(o.userKnownHostsFiles, ['/kh/real.example_2200']);
});

test('bad values are input errors naming the host and option', (t) => {
  const file = join(dir, 'bad.conf');
  writeFileSync(file, 'Host app\n  Port http\n');
  t.throws(() => sshOptions('app', resolveRaw('app', loadSource(defaultSource(file)))), { message: /"app": Port must be/ });
  t.throws(() => parseSshArgs('-o', 'inv'), { message: /-o needs a value/ });
  t.throws(() => parseSshArgs('-D 1080', 'inv'), { message: /unsupported ssh argument "-D"/ });
  t.throws(() => sshOptions('a', new Map([['proxyjump', ['u@:22']]])), { message: /bad jump host/ });
});

test('-i, -p, -l, -J and -F in ansible_ssh_common_args', (t) => {
  // (ssh -G does not print -i files, so this one is checked here.)
  const a = parseSshArgs("-i /k/one -p 2200 -l ops -J 'a@b:1,c' -F /cfg -o StrictHostKeyChecking=no -q", 'inv');
  t.is(a.configFile, '/cfg');
  t.deepEqual(a.options, [
    { key: 'identityfile', values: ['/k/one'] },
    { key: 'port', values: ['2200'] },
    { key: 'user', values: ['ops'] },
    { key: 'proxyjump', values: ['a@b:1,c'] },
    { key: 'stricthostkeychecking', values: ['no'] },
  ]);
});
