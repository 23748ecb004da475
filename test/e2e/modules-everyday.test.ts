/**
 * The everyday modules on real lab hosts: check mode on fresh hosts lists exactly the
 * changes the real run makes, a second run changes nothing, the hosts' real state is what
 * the playbook declares, and where Ansible defines the result (cron markers, replace,
 * group, hostname) Debian's ansible-playbook on another fresh host leaves the same files
 * and each tool then finds the other's work already in state.
 */
import test from 'ava';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bridgeIp } from '../../src/lab/layout.js';
import { changeKeys, hostforge, recapOf } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';
import { labIniInventory } from '../helpers/ini-inventory.js';

const LAB = 'every';
let lab: LabInfo;
let skip: string | undefined;
let hasAnsible = true;
let dir: string;
let http: Server | undefined;
let httpBase = '';

/** Tasks both tools run (ansible.builtin modules). */
const SHARED = [
  { name: 'ops group', group: { name: 'hfops', gid: 2345 } },
  { name: 'config file', copy: { dest: '/etc/hf-everyday.conf', force: false, content: '[main]\nlisten = 127.0.0.1:80\nold.example.com\n[extra]\nlisten = 0.0.0.0:81\n' } },
  { name: 'rename the host in the config', replace: { path: '/etc/hf-everyday.conf', regexp: 'old\\.example\\.com', replace: 'new.example.com' } },
  { name: 'listen everywhere in [main] only', replace: { path: '/etc/hf-everyday.conf', after: '\\[main\\]', before: '\\[extra\\]', regexp: '^listen = 127\\.0\\.0\\.1:(\\d+)$', replace: 'listen = 0.0.0.0:\\1' } },
  { name: 'hostname', hostname: { name: '{{ inventory_hostname }}-hf' } },
  { name: 'mail to', cron: { name: 'MAILTO', env: true, job: 'ops@example.com', user: 'root' } },
  { name: 'nightly backup', cron: { name: 'nightly backup', minute: '15', hour: '2', job: '/usr/local/bin/backup --all', user: 'root' } },
  { name: 'disabled job', cron: { name: 'weekly report', special_time: 'weekly', job: '/usr/local/bin/report', user: 'root', disabled: true } },
  { name: 'cron.d file', cron: { name: 'rotate', cron_file: 'hf-rotate', user: 'root', minute: '*/5', job: '/usr/sbin/logrotate /etc/hf.conf' } },
];

/** hostforge only: the modules whose Ansible versions live in collections Debian does not ship. */
const OURS = [
  { name: 'forwarding on', sysctl: { name: 'net.ipv4.ip_forward', value: 1, sysctl_file: '/etc/sysctl.d/60-hostforge.conf' } },
  { name: 'port range live', sysctl: { name: 'net.ipv4.ip_local_port_range', value: '20000 60000', sysctl_file: '/etc/sysctl.d/60-hostforge.conf', sysctl_set: true, reload: false } },
  { name: 'time zone', timezone: { name: 'Europe/Paris' } },
];

/** hostforge only, after SHARED: mounts (tmpfs and bind only in the lab), waits, fetch, script, raw. */
const LATER = [
  { name: 'data dir', file: { path: '/srv/hf-data', state: 'directory' } },
  { name: 'bind mount', mount: { path: '/mnt/hf-bind', src: '/srv/hf-data', fstype: 'none', opts: 'bind', state: 'mounted' } },
  { name: 'tmpfs in fstab', 'ansible.posix.mount': { path: '/mnt/hf-tmp', src: 'tmpfs', fstype: 'tmpfs', opts: 'nosuid,size=8m', state: 'mounted' } },
  { name: 'tmpfs not in fstab', mount: { path: '/mnt/hf-eph', src: 'tmpfs', fstype: 'tmpfs', opts: 'nodev', state: 'ephemeral' } },
  { name: 'wait for the config', wait_for: { path: '/etc/hf-everyday.conf', search_regex: '^(new)\\.example\\.com$', timeout: 5 } },
  { name: 'wait for sshd', wait_for: { host: '{{ ansible_host }}', port: 22, search_regex: 'OpenSSH', timeout: 10 } },
  { name: 'read the hostname', slurp: { src: '/etc/hostname' }, register: 'slurped' },
  { name: 'fetch the config', fetch: { src: '/etc/hf-everyday.conf', dest: '{{ fetch_dir }}' } },
  { name: 'run a script once', script: { cmd: 'hf-script.sh "first arg" second', creates: '/etc/hf-script-ran' } },
  { name: 'raw', raw: 'echo raw > /tmp/hf-raw', changed_when: false },
  { name: 'download', get_url: { url: '{{ http_base }}/app.tar.gz', dest: '/opt/hf-app.tar.gz', checksum: 'sha256:{{ http_base }}/SHA256SUMS', mode: '0640' } },
  { name: 'unpack the download', unarchive: { src: '/opt/hf-app.tar.gz', dest: '/opt', remote_src: true } },
  { name: 'zip dir', file: { path: '/opt/hf-zip', state: 'directory' } },
  { name: 'unpack a bastion zip', unarchive: { src: 'app.zip', dest: '/opt/hf-zip' } },
  { name: 'repo key', apt_key: { url: '{{ http_base }}/repo/key.asc', keyring: '/etc/apt/keyrings/hf-test.asc' } },
  { name: 'repo', apt_repository: { repo: 'deb [signed-by=/etc/apt/keyrings/hf-test.asc] {{ http_base }}/repo ./', filename: 'hf-test', update_cache: false } },
  {
    name: 'update only the test repo (the lab has no route to Debian mirrors)',
    command: 'apt-get update -q -o Dir::Etc::sourcelist=sources.list.d/hf-test.list -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0',
    changed_when: false,
  },
];

/** A signed flat APT repository (dpkg-scanpackages + a clear-signed InRelease) with one package. */
function buildRepo(root: string): void {
  const repo = join(root, 'repo');
  const gnupg = join(root, 'gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  mkdirSync(join(root, 'deb', 'DEBIAN'), { recursive: true });
  mkdirSync(repo);
  writeFileSync(join(root, 'deb', 'DEBIAN', 'control'), 'Package: hf-repo-demo\nVersion: 1.0\nArchitecture: all\nMaintainer: hostforge tests <root@localhost>\nDescription: hostforge repo test\n');
  execFileSync('dpkg-deb', ['--build', '-Zgzip', join(root, 'deb'), join(repo, 'hf-repo-demo_1.0_all.deb')], { stdio: 'ignore' });
  const packages = execFileSync('dpkg-scanpackages', ['--multiversion', '.', '/dev/null'], { cwd: repo, stdio: ['ignore', 'pipe', 'ignore'] });
  writeFileSync(join(repo, 'Packages'), packages);
  const sha = createHash('sha256').update(packages).digest('hex');
  writeFileSync(join(repo, 'Release'), `Origin: hostforge\nLabel: hostforge\nDate: ${new Date().toUTCString()}\nSHA256:\n ${sha} ${packages.length} Packages\n`);
  const env = { ...process.env, GNUPGHOME: gnupg };
  execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'hostforge test repo <repo@hf.test>', 'ed25519', 'sign', 'never'], { env, stdio: 'ignore' });
  writeFileSync(join(repo, 'key.asc'), execFileSync('gpg', ['--batch', '--armor', '--export'], { env }));
  execFileSync('gpg', ['--batch', '--yes', '--clearsign', '-o', join(repo, 'InRelease'), join(repo, 'Release')], { env, stdio: 'ignore' });
}

function play(tasks: object[], hosts = 'all'): string {
  return yaml.dump([{ name: 'everyday modules', hosts, gather_facts: false, tasks }]);
}

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  try {
    await promisify(execFile)('ansible-playbook', ['--version']);
  } catch {
    hasAnsible = false;
  }
  lab = await startLab(LAB, 3);
  dir = mkdtempSync(join(tmpdir(), 'hf-everyday-'));
  writeFileSync(join(dir, 'site.yaml'), play([...OURS, ...SHARED, ...LATER]));
  mkdirSync(join(dir, 'files'));
  // Archives, served to the hosts over HTTP on the lab bridge address, and one as a bastion file.
  mkdirSync(join(dir, 'pkg', 'app'), { recursive: true });
  writeFileSync(join(dir, 'pkg', 'app', 'README'), 'archived\n');
  execFileSync('tar', ['-czf', join(dir, 'app.tar.gz'), '-C', join(dir, 'pkg'), 'app']);
  execFileSync('zip', ['-qr', join(dir, 'files', 'app.zip'), 'app'], { cwd: join(dir, 'pkg') });
  const tgz = readFileSync(join(dir, 'app.tar.gz'));
  buildRepo(dir);
  http = createServer((req, res) => {
    if (req.url === '/app.tar.gz') res.end(tgz);
    else if (/^\/repo\/[\w.+-]+$/.test(posix.normalize(req.url ?? '')) && existsSync(join(dir, posix.normalize(req.url ?? '')))) res.end(readFileSync(join(dir, posix.normalize(req.url ?? ''))));
    else if (req.url === '/SHA256SUMS') res.end(`${createHash('sha256').update(tgz).digest('hex')}  app.tar.gz\n`);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => http!.listen(0, bridgeIp(lab.slot), r));
  httpBase = `http://${bridgeIp(lab.slot)}:${(http.address() as AddressInfo).port}`;
  writeFileSync(join(dir, 'files', 'hf-script.sh'), '#!/bin/sh\nprintf "%s|" "$@" > /etc/hf-script-ran\nhostname >> /etc/hf-script-ran\n');
  writeFileSync(join(dir, 'shared.yaml'), play(SHARED));
  writeFileSync(join(dir, 'hosts.ini'), labIniInventory(lab));
});

test.after.always(async () => {
  http?.close();
  if (!skip) await stopLab(LAB);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const run = (file: string, ...extra: string[]) => hostforge(['apply', join(dir, file), '-i', join(dir, 'hosts.ini'), '--json', '-e', `fetch_dir=${join(dir, 'fetched')}`, '-e', `http_base=${httpBase}`, ...extra]);

test.serial('check on fresh hosts == apply; the second run and a re-check change nothing', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const limit = ['--limit', 'node1:node2'];
  const check = await run('site.yaml', '--check', ...limit);
  t.is(check.code, 0, check.stdout.slice(-3000) + check.stderr);
  const planned = changeKeys(check.stdout);
  // node1, node2: 2 sysctl (file + reload; then live set) + tz 2 + group + copy + 2 replace + hostname 2 + 4 cron
  t.true(planned.length >= 2 * 14, `planned ${planned.length}:\n${planned.join('\n')}`);
  const untouched = await sshRun(lab, 'node1', 'hostname; test -e /etc/sysctl.d/60-hostforge.conf && echo file; getent group hfops; crontab -l 2>&1');
  t.regex(untouched.stdout, /^node1\nno crontab for root/);

  const apply = await run('site.yaml', ...limit);
  t.is(apply.code, 0, apply.stdout.slice(-3000) + apply.stderr);
  t.deepEqual(changeKeys(apply.stdout), planned);

  const again = await run('site.yaml', ...limit);
  t.is(again.code, 0, again.stdout.slice(-2000));
  for (const [h, r] of Object.entries(recapOf(again.stdout))) t.is(r.changed, 0, `${h} changed on the second run: ${changeKeys(again.stdout).join('\n')}`);
  const recheck = await run('site.yaml', '--check', ...limit);
  t.deepEqual(changeKeys(recheck.stdout), []);
});

test.serial('the hosts are in the declared state', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  for (const h of ['node1', 'node2']) {
    const r = await sshRun(lab, h, 'cat /etc/sysctl.d/60-hostforge.conf; sysctl -n net.ipv4.ip_forward; sysctl -n net.ipv4.ip_local_port_range; readlink /etc/localtime; cat /etc/timezone; getent group hfops; hostname; cat /etc/hostname');
    t.is(r.stdout, `net.ipv4.ip_forward=1\nnet.ipv4.ip_local_port_range=20000 60000\n1\n20000\t60000\n/usr/share/zoneinfo/Europe/Paris\nEurope/Paris\nhfops:x:2345:\n${h}-hf\n${h}-hf\n`);
    const conf = await sshRun(lab, h, 'cat /etc/hf-everyday.conf');
    t.is(conf.stdout, '[main]\nlisten = 0.0.0.0:80\nnew.example.com\n[extra]\nlisten = 0.0.0.0:81\n');
  }
  for (const h of ['node1', 'node2']) {
    const m = await sshRun(lab, h, 'findmnt -n -o FSTYPE,OPTIONS /mnt/hf-tmp; findmnt -n -o FSTYPE,OPTIONS /mnt/hf-eph; touch /srv/hf-data/probe; ls /mnt/hf-bind; grep hf- /etc/fstab; cat /etc/hf-script-ran; cat /tmp/hf-raw');
    t.regex(m.stdout, /^tmpfs\s+rw,nosuid,relatime,size=8192k.*\ntmpfs\s+rw,nodev.*\nprobe\n\/srv\/hf-data \/mnt\/hf-bind none bind 0 0\ntmpfs \/mnt\/hf-tmp tmpfs nosuid,size=8m 0 0\n/);
    t.regex(m.stdout, new RegExp(`first arg\\|second\\|${h}-hf\nraw\n$`));
    t.false(m.stdout.includes('hf-eph'));
    const u = await sshRun(lab, h, 'stat -c %a /opt/hf-app.tar.gz; cat /opt/app/README /opt/hf-zip/app/README');
    t.is(u.stdout, '640\narchived\narchived\n');
    const repo = await sshRun(lab, h, 'cat /etc/apt/sources.list.d/hf-test.list; apt-cache show hf-repo-demo | grep ^Version');
    t.is(repo.stdout, `deb [signed-by=/etc/apt/keyrings/hf-test.asc] ${httpBase}/repo ./\nVersion: 1.0\n`, repo.stderr);
    const fetched = join(dir, 'fetched', h, 'etc', 'hf-everyday.conf');
    t.true(existsSync(fetched), fetched);
    t.regex(readFileSync(fetched, 'utf8'), /new\.example\.com/);
  }
  // The machine's own sysctl was not touched: the value is per network namespace.
  const mine = await promisify(execFile)('sysctl', ['-n', 'net.ipv4.ip_local_port_range']);
  t.not(mine.stdout.trim().replace(/\s+/g, ' '), '20000 60000');
});

async function cronState(host: string): Promise<string> {
  const r = await sshRun(lab, host, 'crontab -l; echo ---; cat /etc/cron.d/hf-rotate; echo ---; stat -c %a /etc/cron.d/hf-rotate');
  return r.stdout;
}

test.serial('ansible-playbook leaves the same crontab, files and group; each tool finds the other in state', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  if (!hasAnsible) return t.pass('ansible-playbook is not installed');
  const ansible = (limit: string) =>
    promisify(execFile)('ansible-playbook', ['-i', join(dir, 'hosts.ini'), '--limit', limit, join(dir, 'shared.yaml')], {
      env: { ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: 'False', ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-tmp') },
      maxBuffer: 1 << 24,
    });
  const first = await ansible('node3');
  t.regex(first.stdout, /node3\s+: ok=9\s+changed=9 /, first.stdout.slice(-1500));
  const theirs = await cronState('node3');
  const ours = await cronState('node1');
  t.is(ours, theirs);
  t.regex(ours, /#Ansible: nightly backup\n15 2 \* \* \* \/usr\/local\/bin\/backup --all\n/);
  const same = await sshRun(lab, 'node3', 'cat /etc/hf-everyday.conf; getent group hfops; cat /etc/hostname');
  t.is(same.stdout, '[main]\nlisten = 0.0.0.0:80\nnew.example.com\n[extra]\nlisten = 0.0.0.0:81\nhfops:x:2345:\nnode3-hf\n');
  // hostforge on Ansible's host, Ansible on hostforge's host: nothing to do either way, except
  // the live hostname: Ansible's Debian strategy (no systemd) writes /etc/hostname only.
  const ourRun = await run('shared.yaml', '--limit', 'node3');
  t.deepEqual(changeKeys(ourRun.stdout), ['node3 | hostname |  | update other hostname']);
  const theirRun = await ansible('node1');
  t.regex(theirRun.stdout, /node1\s+: ok=9\s+changed=0 /, theirRun.stdout.slice(-1500));
});
