import test from 'ava';
import { existsSync } from 'node:fs';
import { aptRequests, packageCommands, packageModule, planPackage, type PackageArgs } from '../../../src/modules/package.js';
import { planScript } from '../../../src/modules/package/script.js';
import { parseDpkgQuery, sections } from '../../../src/modules/text/dpkg.js';
import { parsePending, parseProviders, parseSimulation } from '../../../src/modules/text/apt.js';
import type { Change } from '../../../src/modules/types.js';
import { FakeHost, fakeContext } from '../../helpers/fake-host.js';
import { localExec } from '../../helpers/local-exec.js';

const DPKG = 'curl\tinstall ok installed\t7.88.1-10\nvim\tdeinstall ok config-files\t9.0\nnginx\tinstall ok installed\t1.22.1-9\n';
const NOTHING = '0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n';

interface Reply {
  status?: string;
  sim?: string;
  /** The second transaction (present: pinned versions first, then the rest). */
  simB?: string;
  rc?: number;
  cache?: string;
  pending?: string;
  journal?: number;
  provides?: string;
}

/** The plan script's output, section by section, as the host prints it. */
function output(r: Reply): string {
  const parts = [`@@status\n${r.status ?? DPKG}`, `@@pending\n${r.pending ?? ''}`, `@@journal\n${r.journal ?? 0}`];
  if (r.provides !== undefined) parts.push(`@@provides\n${r.provides}`);
  parts.push(`@@sim_a\nReading package lists...\n${r.sim ?? NOTHING}`, `@@sim_a_rc\n${r.rc ?? 0}`);
  if (r.simB !== undefined) parts.push(`@@sim_b\n${r.simB}`, '@@sim_b_rc\n0');
  if (r.cache !== undefined) parts.push(`@@cache\n${r.cache}`);
  return parts.join('\n') + '\n';
}

function host(r: Reply = {}, checkMode = false): FakeHost {
  return new FakeHost({ checkMode }).on('@@status', { stdout: output(r) });
}

interface Case {
  name: string;
  args: PackageArgs;
  reply?: Reply;
  changes: [string, string, string][]; // action, target, op
}

const cases: Case[] = [
  { name: 'present: all installed → nothing', args: { name: ['curl', 'nginx'] }, changes: [] },
  {
    name: 'present: missing and config-files-only get installed',
    args: { name: ['curl', 'vim', 'htop'] },
    reply: { sim: 'Inst vim (2:9.0.1378-2 Debian:12.5/stable [amd64])\nInst htop (3.2.2-2 Debian:12.5/stable [amd64])\nConf vim (2:9.0.1378-2 Debian:12.5/stable [amd64])\n' },
    changes: [['create', 'vim', 'install'], ['create', 'htop', 'install']],
  },
  { name: 'present: comma-separated string', args: { name: 'curl,htop' }, reply: { sim: 'Inst htop (3.2.2-2 Debian:12.5/stable [amd64])\n' }, changes: [['create', 'htop', 'install']] },
  { name: 'present: pinned version differs', args: { name: 'nginx=1.24.0-1' }, reply: { sim: 'Inst nginx [1.22.1-9] (1.24.0-1 nginx.org [amd64])\n' }, changes: [['update', 'nginx', 'install']] },
  { name: 'present: pinned prefix matches', args: { name: 'nginx=1.22*' }, reply: { sim: 'Inst nginx [1.22.1-9] (1.22.1-9+deb12u1 Debian:12.5/stable [amd64])\n' }, changes: [] },
  {
    name: 'present: pinned versions first, then the rest; a package both touch is one change',
    args: { name: ['hf-dep', 'hf-a=1.0'] },
    reply: { sim: 'Inst hf-a (1.0 localhost [all])\n', simB: 'Inst hf-a (2.0 localhost [all])\nInst hf-dep (1.0 localhost [all])\n' },
    changes: [['create', 'hf-a', 'install'], ['create', 'hf-dep', 'install']],
  },
  { name: 'absent: installed one removed, missing ignored', args: { name: ['curl', 'htop'], state: 'absent' }, reply: { sim: 'Remv curl [7.88.1-10]\n' }, changes: [['delete', 'curl', 'remove']] },
  { name: 'absent + purge: config-files purged too', args: { name: ['vim'], state: 'absent', purge: true }, reply: { sim: 'Purg vim [9.0]\n' }, changes: [['delete', 'vim', 'purge']] },
  {
    name: 'latest: upgrade when the candidate is newer',
    args: { name: ['curl', 'nginx'], state: 'latest' },
    reply: { sim: 'Inst curl [7.88.1-10] (7.88.1-10+deb12u5 Debian-Security:12/stable-security [amd64])\n' },
    changes: [['update', 'curl', 'install']],
  },
  { name: 'update_cache alone: always an apt-get update run', args: { update_cache: true }, changes: [['run', 'apt cache', 'update']] },
  { name: 'update_cache with everything installed: nothing', args: { name: 'curl', update_cache: true }, changes: [] },
  { name: 'update_cache before an install', args: { name: 'htop', update_cache: true }, reply: { sim: 'Inst htop (3.2.2-2 Debian:12.5/stable [amd64])\n' }, changes: [['run', 'apt cache', 'update'], ['create', 'htop', 'install']] },
  {
    name: 'fresh cache (cache_valid_time): no update',
    args: { name: 'htop', update_cache: true, cache_valid_time: 3600 },
    reply: { sim: 'Inst htop (3.2.2-2 Debian:12.5/stable [amd64])\n', cache: '1000\n1600' },
    changes: [['create', 'htop', 'install']],
  },
  {
    name: 'stale cache (cache_valid_time): update',
    args: { name: 'htop', update_cache: true, cache_valid_time: 3600 },
    reply: { sim: 'Inst htop (3.2.2-2 Debian:12.5/stable [amd64])\n', cache: '1000\n9000' },
    changes: [['run', 'apt cache', 'update'], ['create', 'htop', 'install']],
  },
  // apt's resolution, as apt-get -s prints it
  { name: 'virtual, a provider installed: nothing (apt-get satisfy)', args: { name: 'libpam-dev' }, reply: { provides: 'Package: libpam-dev\nVersions: \nReverse Provides: \nlibpam0g-dev 1.5.2-6 (= )\n' }, changes: [] },
  {
    name: 'virtual, no provider installed: the provider is installed',
    args: { name: 'libpam-dev' },
    reply: { provides: 'Package: libpam-dev\nVersions: \n\nReverse Depends: \n  libpam-ocaml-dev,libpam-dev\nDependencies: \nProvides: \nReverse Provides: \nlibpam0g-dev 1.5.2-6 (= )\n', sim: 'Inst libpam0g-dev (1.5.2-6 Debian:12.5/stable [amd64])\n' },
    changes: [['create', 'libpam0g-dev', 'install']],
  },
  {
    name: 'a conflict: the conflicting package is removed, as its own change',
    args: { name: 'ntpsec' },
    reply: { sim: 'Remv systemd-timesyncd [252.38-1~deb12u1]\nInst python3-ntp (1.2.2 Debian:12.5/stable [amd64])\nInst ntpsec (1.2.2 Debian:12.5/stable [amd64])\n' },
    changes: [['delete', 'systemd-timesyncd', 'remove'], ['create', 'python3-ntp', 'install'], ['create', 'ntpsec', 'install']],
  },
  { name: 'absent: dependents apt removes too are named', args: { name: 'hf-a', state: 'absent' }, reply: { sim: 'Remv hf-dep [1.0]\nRemv hf-a [1.0]\n' }, changes: [['delete', 'hf-dep', 'remove'], ['delete', 'hf-a', 'remove']] },
  { name: 'name:arch', args: { name: 'libc6:i386' }, reply: { sim: 'Inst libc6:i386 (2.36-9 Debian:12.5/stable [i386])\n' }, changes: [['create', 'libc6:i386', 'install']] },
  {
    name: 'an interrupted dpkg is finished first',
    args: { name: 'curl' },
    reply: { pending: 'install ok half-configured\thf-fragile\n', journal: 1 },
    changes: [['run', 'dpkg', 'configure']],
  },
  { name: 'a half-installed package alone is no configure run', args: { name: 'curl' }, reply: { pending: 'install reinstreq half-installed\thf-slow\n' }, changes: [] },
];

for (const c of cases) {
  test(`package: ${c.name}`, async (t) => {
    const h = host(c.reply);
    const changes = await planPackage(h, c.args);
    t.deepEqual(changes.map((x) => [x.action, x.target, x.data?.op]), c.changes);
    for (const x of changes) t.is(x.kind, x.data?.op === 'update' || x.data?.op === 'configure' ? 'other' : 'package');
    t.is(h.execs().length, c.args.name === undefined ? 0 : 1, 'one round trip (none for a bare update_cache)');
  });
}

test('package: requested vs what apt does on its own, in the summaries', async (t) => {
  const c = await planPackage(host(cases.find((x) => x.name.startsWith('a conflict'))!.reply), { name: 'ntpsec' });
  t.regex(c[0]!.summary, /^remove systemd-timesyncd 252\.38-1~deb12u1 \(not requested: apt removes it/);
  t.is(c[1]!.summary, 'install python3-ntp 1.2.2 (dependency)');
  t.is(c[2]!.summary, 'install ntpsec 1.2.2');
  t.deepEqual(c.map((x) => x.data?.requested), [false, false, true]);
  const v = await planPackage(host(cases.find((x) => x.name.startsWith('virtual, no provider'))!.reply), { name: 'libpam-dev' });
  t.is(v[0]!.summary, 'install libpam0g-dev 1.5.2-6 (provides libpam-dev)');
  t.true(v[0]!.data?.requested);
});

test('package: the transactions asked of apt', (t) => {
  t.deepEqual(aptRequests({ name: ['git', 'libpam-dev', 'nginx=1.24.0-1', 'curl=7.88*'] }), [
    { verb: 'install', words: ['nginx=1.24.0-1', 'curl=7.88*'] },
    { verb: 'present', names: ['git', 'libpam-dev'] },
  ]);
  t.deepEqual(aptRequests({ name: 'curl=7.88*' }), [{ verb: 'install', words: ['curl=7.88*'] }]);
  t.deepEqual(aptRequests({ name: ['git', 'nginx=1.2*'], state: 'latest' }), [{ verb: 'install', words: ['git', 'nginx=1.2*'] }]);
  t.deepEqual(aptRequests({ name: 'git', state: 'absent', purge: true }), [{ verb: 'purge', names: ['git'] }]);
  t.deepEqual(aptRequests({ deb: 'x.deb' }), [{ verb: 'install', words: ['./x.deb'] }]);
});

test('package: the plan script holds status, pending dpkg work, the simulation and the cache age', (t) => {
  const s = planScript({ names: ['curl'], requests: [{ verb: 'present', names: ['curl'] }], options: { lockTimeout: 60 }, cacheAge: true });
  t.regex(s, /dpkg-query -W '--showformat=\$\{Package\}\\t\$\{Status\}\\t\$\{Version\}\\n' curl/);
  t.regex(s, /for n in curl; do dpkg-query .*\^ii/, 'installed names need no apt run');
  t.regex(s, /apt-cache policy \$todo/);
  t.regex(s, /env LC_ALL=C DEBIAN_FRONTEND=noninteractive apt-get -s -o DPkg::Lock::Timeout=60 --no-install-recommends .* install --no-upgrade "\$@"/);
  t.regex(s, /apt-get -s .* satisfy "\$v"/);
  t.regex(s, /\/var\/lib\/dpkg\/updates/);
  t.regex(s, /update-success-stamp/);
  const rm = planScript({ names: ['a b'], requests: [{ verb: 'remove', names: ['a b'] }], options: { lockTimeout: 5 }, cacheAge: false });
  t.regex(rm, /for n in 'a b'; do/);
  t.regex(rm, /apt-get -s -o DPkg::Lock::Timeout=5 remove "\$@"/);
});

test('package: apply commands', (t) => {
  const changes: Change[] = [
    { action: 'run', kind: 'other', target: 'dpkg', summary: '', data: { op: 'configure' } },
    { action: 'run', kind: 'other', target: 'apt cache', summary: '', data: { op: 'update' } },
    { action: 'update', kind: 'package', target: 'nginx', summary: '', data: { op: 'install', requested: true, tx: 0 } },
    { action: 'create', kind: 'package', target: 'htop', summary: '', data: { op: 'install', requested: true, tx: 1 } },
  ];
  const cmds = packageCommands(changes, { name: ['htop', 'nginx=1.24*'], lock_timeout: 7 });
  t.regex((cmds[0] as { script: string }).script, /dpkg --configure -a/);
  t.regex((cmds[0] as { script: string }).script, /-ge 7/);
  t.deepEqual(cmds.slice(1, 3), [
    ['env', 'LC_ALL=C', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-q', '-o', 'DPkg::Lock::Timeout=7', 'update'],
    ['env', 'LC_ALL=C', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-y', '-q', '-o', 'DPkg::Lock::Timeout=7', '--no-install-recommends', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', 'install', 'nginx=1.24*'],
  ]);
  t.regex((cmds[3] as { script: string }).script, /for n in htop; do/);
  t.regex((cmds[3] as { script: string }).script, /apt-get -y -q -o DPkg::Lock::Timeout=7 .* install --no-upgrade "\$@"/);
  t.is(cmds.length, 4);
  // a pinned version already in place is not asked again
  t.deepEqual(packageCommands([changes[3]!], { name: ['htop', 'nginx=1.24*'] }).map((c) => ('script' in c ? 'present' : c.slice(-2).join(' '))), ['present']);
  t.deepEqual(packageCommands([{ ...changes[2]!, data: { op: 'install', requested: true, tx: 0 } }], { name: ['hf-a=1', 'nginx=1.24*'] }).map((c) => (c as string[]).slice(-2)), [['install', 'nginx=1.24*']]);
  const rm: Change[] = [
    { action: 'delete', kind: 'package', target: 'hf-dep', summary: '', data: { op: 'remove', requested: false } },
    { action: 'delete', kind: 'package', target: 'hf-a', summary: '', data: { op: 'remove', requested: true } },
  ];
  t.deepEqual(packageCommands(rm, { name: ['hf-a', 'hf-gone'], state: 'absent' }), [['env', 'LC_ALL=C', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-y', '-q', '-o', 'DPkg::Lock::Timeout=60', 'remove', 'hf-a']]);
  const deb: Change[] = [{ action: 'create', kind: 'package', target: 'hf-demo', summary: '', data: { op: 'deb', requested: true } }];
  t.deepEqual(packageCommands(deb, { deb: '/tmp/hf-demo.deb' }).map((c) => (c as string[]).slice(-2)), [['install', '/tmp/hf-demo.deb']]);
  t.true((packageCommands(deb, { deb: '/tmp/hf-demo.deb' })[0] as string[]).includes('--allow-downgrades'), 'a .deb installs as given, like dpkg -i');
});

test('package: apply is one exec; failure is a TaskError with apt output', async (t) => {
  const h = host({ sim: 'Inst htop (3.2.2-2 Debian:12.5/stable [amd64])\n' }).on('apt-get -y', { code: 100, stderr: 'E: Unable to locate package htop\n' });
  const args = { name: 'htop' };
  const changes = await planPackage(h, args);
  await t.throwsAsync(packageModule.apply(h, changes, args, fakeContext().ctx), { message: /Unable to locate package htop/ });
  t.is(h.execs().length, 2);
});

test('package: apt refusing the request fails the plan with its E: lines', async (t) => {
  const out = 'Some packages could not be installed.\nThe following packages have unmet dependencies:\n ntpsec : Conflicts: time-daemon\nE: Error, pkgProblemResolver::Resolve generated breaks, this may be caused by held packages.\n';
  await t.throwsAsync(planPackage(host({ sim: out, rc: 100 }), { name: 'ntp' }), { message: /apt cannot install ntp: Error, pkgProblemResolver::Resolve generated breaks/ });
  // ... unless an apt-get update comes first: then apt decides after it
  const c = await planPackage(host({ sim: 'E: Unable to locate package htop\n', rc: 100 }), { name: 'htop', update_cache: true });
  t.deepEqual(c.map((x) => [x.action, x.target]), [['run', 'apt cache'], ['create', 'htop']]);
  await t.throwsAsync(planPackage(host({ sim: "WARNING: The following essential packages will be removed.\nRemv dpkg [1.21]\n" }), { name: 'hf-x' }), { message: /essential packages: dpkg/ });
});

test('package: deb already installed at that version → nothing; other version → update', async (t) => {
  const reply = (sim: string): FakeHost => new FakeHost().on('@@status', { stdout: `Package: hf-demo\nVersion: 1.1\n${output({ status: 'hf-demo\tinstall ok installed\t1.0\n', sim })}` });
  t.deepEqual(await planPackage(reply('hf-demo is already the newest version (1.1).\n'), { deb: '/tmp/hf-demo_1.0.deb' }), []);
  const c = await planPackage(reply('Inst hf-demo [1.0] (1.1 local-deb [all])\n'), { deb: '/tmp/hf-demo_1.1.deb' });
  t.like(c[0], { action: 'update', kind: 'package', target: 'hf-demo', summary: 'hf-demo: 1.0 → 1.1 from /tmp/hf-demo_1.1.deb', data: { op: 'deb', from: '1.0', to: '1.1' } });
  t.like((await planPackage(reply('Inst hf-demo (1.1 local-deb [all])\n'), { deb: '/tmp/x.deb' }))[0], { action: 'create', target: 'hf-demo' });
});

test('package: unreadable deb fails; in check mode a predicted deb is planned', async (t) => {
  const h = new FakeHost().on('@@status', { stdout: `dpkg-deb: error: failed to read archive\n@@debfail\n@@debmissing\n${output({})}` });
  await t.throwsAsync(planPackage(h, { deb: '/tmp/x.deb' }), { message: /cannot read package \/tmp\/x\.deb: dpkg-deb: error/ });
  const hc = new FakeHost({ checkMode: true }).addFile('/tmp/x.deb', 'predicted').on('@@status', { stdout: `@@debfail\n${output({})}` });
  t.like((await planPackage(hc, { deb: '/tmp/x.deb' }))[0], { action: 'create', kind: 'package', data: { op: 'deb' } });
});

test('package: bad names are input errors', async (t) => {
  await t.throwsAsync(planPackage(host(), { name: '--force-yes' }), { message: /invalid package name/ });
});

test('package: check mode trusts what earlier tasks would have installed or removed', async (t) => {
  const h = host({ sim: 'Inst htop (3.2.2-2 Debian:12.5/stable [amd64])\n' }, true);
  h.predictedResources.set('package:htop', 'present');
  h.predictedResources.set('package:curl', 'absent');
  t.deepEqual(await planPackage(h, { name: ['htop'] }), []);
  const h2 = host({}, true);
  h2.predictedResources.set('package:curl', 'absent');
  t.deepEqual((await planPackage(h2, { name: ['curl'] })).map((c) => [c.action, c.target]), [['create', 'curl']]);
});

test('package: deb + name; the name must match the .deb', async (t) => {
  const h = new FakeHost().on('@@status', { stdout: `Package: hf-demo\nVersion: 1.0\n${output({ status: '', sim: 'Inst hf-demo (1.0 local-deb [all])\n' })}` });
  t.like((await planPackage(h, { deb: '/root/hf.deb', name: 'hf-demo' }))[0], { action: 'create', target: 'hf-demo' });
  await t.throwsAsync(planPackage(h, { deb: '/root/hf.deb', name: 'other' }), { message: /contains package hf-demo, not other/ });
  t.is(h.execs().length, 2, 'one exec per plan: name and update_cache add nothing with deb');
});

test('package: check mode, .deb copied by an earlier task: the name decides', async (t) => {
  const missing = `@@debfail\n@@debmissing\n${output({ status: '' })}`;
  const h = new FakeHost({ checkMode: true }).addFile('/root/hf.deb', 'predicted').on('@@status', { stdout: missing });
  t.like((await planPackage(h, { deb: '/root/hf.deb', name: 'hf-demo' }))[0], { action: 'create', kind: 'package', target: 'hf-demo', data: { op: 'deb' } });
  const installed = new FakeHost({ checkMode: true }).addFile('/root/hf.deb', 'p').on('@@status', { stdout: `@@debfail\n${output({ status: 'hf-demo\tinstall ok installed\t1.0\n' })}` });
  t.deepEqual(await planPackage(installed, { deb: '/root/hf.deb', name: 'hf-demo' }), []);
});

test('package: apt-get -s lines', (t) => {
  const sim = parseSimulation(
    "Note, selecting 'hf-b' instead of './hf-b_1.0_all.deb'\nRemv hf-a [1.0]\nInst hf-b (1.0 local-deb [all])\nInst hf-c [1.0] (2.0 localhost [all])\nPurg hf-d [3]\nConf hf-b (1.0 local-deb [all])\nE: boom\n",
  );
  t.deepEqual(sim.steps, [
    { op: 'remove', name: 'hf-a', from: '1.0' },
    { op: 'install', name: 'hf-b', to: '1.0' },
    { op: 'install', name: 'hf-c', from: '1.0', to: '2.0' },
    { op: 'purge', name: 'hf-d', from: '3' },
  ]);
  t.is(sim.selected.get('./hf-b_1.0_all.deb'), 'hf-b');
  t.deepEqual(sim.errors, ['boom']);
  t.deepEqual(parsePending('install ok unpacked\thf-u\ninstall reinstreq half-installed\thf-h\ninstall ok triggers-pending\tman-db\n', '2\n'), {
    configure: ['hf-u (unpacked)', 'man-db (triggers-pending)'],
    broken: ['hf-h (half-installed)'],
    interrupted: true,
  });
  t.deepEqual([...parseProviders('Package: hf-virtual\nVersions: \nReverse Depends: \n  hf-user,hf-virtual\nProvides: \nReverse Provides: \nhf-prov2 1.0 (= )\nhf-prov 1.0 (= )\n')], [['hf-virtual', ['hf-prov2', 'hf-prov']]]);
});

test('package: the plan script against the real dpkg and apt of this machine', async (t) => {
  if (!existsSync('/usr/bin/dpkg-query') || !existsSync('/usr/bin/apt-get')) {
    t.pass('no dpkg here');
    return;
  }
  const script = planScript({ names: ['dpkg', 'hf-surely-not-a-package'], requests: [{ verb: 'present', names: ['dpkg', 'libpam-dev'] }], options: { lockTimeout: 0 }, cacheAge: true });
  const r = await localExec({ script });
  const sec = sections(r.stdout);
  const m = parseDpkgQuery(sec.get('status') ?? '');
  t.true(m.get('dpkg')?.installed);
  t.regex(m.get('dpkg')?.version ?? '', /^\d/);
  t.false(m.has('hf-surely-not-a-package'));
  t.is(sec.get('sim_a_rc')?.trim(), '0', sec.get('sim_a'));
  const sim = parseSimulation(sec.get('sim_a') ?? '');
  t.true(sim.steps.every((s) => s.name === 'libpam0g-dev'), 'dpkg is installed: nothing to do for it');
  t.notRegex(sec.get('sim_a') ?? '', /dpkg/, 'installed: not even asked of apt');
  t.regex(sec.get('sim_a') ?? '', /libpam0g-dev|0 upgraded/, 'the virtual name went to apt-get satisfy');
  const [mtime, now] = (sec.get('cache') ?? '').trim().split('\n').map(Number);
  t.true(Number.isInteger(mtime) && Number.isInteger(now) && now! >= mtime!);
});
