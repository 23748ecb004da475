import test from 'ava';
import { existsSync } from 'node:fs';
import { packageCommands, packageModule, planPackage, queryScript, type PackageArgs } from '../../../src/modules/package.js';
import { parseDpkgQuery, sections } from '../../../src/modules/text/dpkg.js';
import type { Change } from '../../../src/modules/types.js';
import { FakeHost, fakeContext } from '../../helpers/fake-host.js';
import { localExec } from '../../helpers/local-exec.js';

const DPKG = 'curl\tinstall ok installed\t7.88.1-10\nvim\tdeinstall ok config-files\t9.0\nnginx\tinstall ok installed\t1.22.1-9\n';

function host(extra = ''): FakeHost {
  return new FakeHost().on('dpkg-query', { stdout: DPKG + extra, code: 1 });
}

interface Case {
  name: string;
  args: PackageArgs;
  extra?: string;
  changes: [string, string, string][]; // action, target, op
}

const cases: Case[] = [
  { name: 'present: all installed → nothing', args: { name: ['curl', 'nginx'] }, changes: [] },
  { name: 'present: missing and config-files-only get installed', args: { name: ['curl', 'vim', 'htop'] }, changes: [['create', 'vim', 'install'], ['create', 'htop', 'install']] },
  { name: 'present: comma-separated string', args: { name: 'curl,htop' }, changes: [['create', 'htop', 'install']] },
  { name: 'present: pinned version differs', args: { name: 'nginx=1.24.0-1' }, changes: [['update', 'nginx', 'install']] },
  { name: 'present: pinned prefix matches', args: { name: 'nginx=1.22*' }, changes: [] },
  { name: 'absent: installed one removed, missing ignored', args: { name: ['curl', 'htop'], state: 'absent' }, changes: [['delete', 'curl', 'remove']] },
  { name: 'absent + purge: config-files purged too', args: { name: ['vim'], state: 'absent', purge: true }, changes: [['delete', 'vim', 'purge']] },
  {
    name: 'latest: upgrade when the candidate is newer',
    args: { name: ['curl', 'nginx'], state: 'latest' },
    extra: '@@policy\ncurl:\n  Installed: 7.88.1-10\n  Candidate: 7.88.1-10+deb12u5\nnginx:\n  Installed: 1.22.1-9\n  Candidate: 1.22.1-9\n',
    changes: [['update', 'curl', 'install']],
  },
  { name: 'update_cache alone: always an apt-get update run', args: { update_cache: true }, changes: [['run', 'apt cache', 'update']] },
  { name: 'update_cache with everything installed: nothing', args: { name: 'curl', update_cache: true }, changes: [] },
  { name: 'update_cache before an install', args: { name: 'htop', update_cache: true }, changes: [['run', 'apt cache', 'update'], ['create', 'htop', 'install']] },
  { name: 'fresh cache (cache_valid_time): no update', args: { name: 'htop', update_cache: true, cache_valid_time: 3600 }, extra: '@@cache\n1000\n1600\n', changes: [['create', 'htop', 'install']] },
  { name: 'stale cache (cache_valid_time): update', args: { name: 'htop', update_cache: true, cache_valid_time: 3600 }, extra: '@@cache\n1000\n9000\n', changes: [['run', 'apt cache', 'update'], ['create', 'htop', 'install']] },
];

for (const c of cases) {
  test(`package: ${c.name}`, async (t) => {
    const h = host(c.extra);
    const changes = await planPackage(h, c.args);
    t.deepEqual(changes.map((x) => [x.action, x.target, x.data?.op]), c.changes);
    for (const x of changes) t.is(x.kind, x.data?.op === 'update' ? 'other' : 'package');
    t.is(h.execs().length, c.args.name === undefined ? 0 : 1, 'one round trip (none for a bare update_cache)');
  });
}

test('package: the plan script is one dpkg-query (+ policy / cache age when needed)', (t) => {
  t.is(queryScript(['curl'], { policy: false, cacheAge: false }), "dpkg-query -W '--showformat=${Package}\\t${Status}\\t${Version}\\n' curl 2>/dev/null\ntrue");
  const s = queryScript(['curl'], { policy: true, cacheAge: true });
  t.regex(s, /env LC_ALL=C apt-cache policy curl/);
  t.regex(s, /update-success-stamp/);
});

test('package: apply commands', (t) => {
  const changes: Change[] = [
    { action: 'run' as const, kind: 'other' as const, target: 'apt cache', summary: '', data: { op: 'update' } },
    { action: 'delete' as const, kind: 'package' as const, target: 'vim', summary: '', data: { op: 'remove' } },
    { action: 'create' as const, kind: 'package' as const, target: 'htop', summary: '', data: { op: 'install', spec: 'htop' } },
    { action: 'update' as const, kind: 'package' as const, target: 'nginx', summary: '', data: { op: 'install', spec: 'nginx=1.24' } },
    { action: 'create' as const, kind: 'package' as const, target: 'hf-demo', summary: '', data: { op: 'deb', deb: '/tmp/hf-demo.deb' } },
  ];
  t.deepEqual(packageCommands(changes, {}), [
    ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update'],
    ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'remove', '-y', 'vim'],
    ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--no-install-recommends', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', 'htop', 'nginx=1.24'],
    ['env', 'DEBIAN_FRONTEND=noninteractive', 'dpkg', '-i', '/tmp/hf-demo.deb'],
  ]);
});

test('package: apply is one exec; failure is a TaskError with apt output', async (t) => {
  const h = host().on('apt-get install', { code: 100, stderr: 'E: Unable to locate package htop\n' });
  const args = { name: 'htop' };
  const changes = await planPackage(h, args);
  await t.throwsAsync(packageModule.apply(h, changes, args, fakeContext().ctx), { message: /Unable to locate package htop/ });
  t.is(h.execs().length, 2);
});

test('package: deb already installed at that version → nothing; other version → update', async (t) => {
  const h = new FakeHost().on('dpkg-deb', { stdout: 'hf-demo\t1.0\n@@installed\nhf-demo\tinstall ok installed\t1.0\n' });
  t.deepEqual(await planPackage(h, { deb: '/tmp/hf-demo_1.0.deb' }), []);
  const h2 = new FakeHost().on('dpkg-deb', { stdout: 'hf-demo\t1.1\n@@installed\nhf-demo\tinstall ok installed\t1.0\n' });
  const c = await planPackage(h2, { deb: '/tmp/hf-demo_1.1.deb' });
  t.like(c[0], { action: 'update', kind: 'package', target: 'hf-demo', data: { op: 'deb', deb: '/tmp/hf-demo_1.1.deb', version: '1.1' } });
  const h3 = new FakeHost().on('dpkg-deb', { stdout: 'hf-demo\t1.1\n@@installed\n' });
  t.like((await planPackage(h3, { deb: '/tmp/x.deb' }))[0], { action: 'create', target: 'hf-demo' });
});

test('package: unreadable deb fails; in check mode a predicted deb is planned', async (t) => {
  const h = new FakeHost().on('dpkg-deb', { code: 3, stderr: 'dpkg-deb: error: failed to read archive' });
  await t.throwsAsync(planPackage(h, { deb: '/tmp/x.deb' }), { message: /cannot read package/ });
  const hc = new FakeHost({ checkMode: true }).addFile('/tmp/x.deb', 'predicted').on('dpkg-deb', { code: 3 });
  t.like((await planPackage(hc, { deb: '/tmp/x.deb' }))[0], { action: 'create', kind: 'package', data: { op: 'deb' } });
});

test('package: bad names are input errors', async (t) => {
  await t.throwsAsync(planPackage(host(), { name: '--force-yes' }), { message: /invalid package name/ });
});

test('package: the query script against the real dpkg of this machine', async (t) => {
  if (!existsSync('/usr/bin/dpkg-query')) {
    t.pass('no dpkg here');
    return;
  }
  const r = await localExec({ script: queryScript(['dpkg', 'hf-surely-not-a-package'], { policy: false, cacheAge: true }) });
  const sec = sections(r.stdout);
  const m = parseDpkgQuery(sec.get('') ?? '');
  t.true(m.get('dpkg')?.installed);
  t.regex(m.get('dpkg')?.version ?? '', /^\d/);
  t.false(m.has('hf-surely-not-a-package'));
  const [mtime, now] = (sec.get('cache') ?? '').trim().split('\n').map(Number);
  t.true(Number.isInteger(mtime) && Number.isInteger(now) && now! >= mtime!);
});

test('package: check mode trusts what earlier tasks would have installed or removed', async (t) => {
  const h = new FakeHost({ checkMode: true }).on('dpkg-query', { stdout: DPKG, code: 1 });
  h.predictedResources.set('package:htop', 'present');
  h.predictedResources.set('package:curl', 'absent');
  t.deepEqual(await planPackage(h, { name: ['htop'] }), []);
  t.deepEqual((await planPackage(h, { name: ['curl'] })).map((c) => [c.action, c.target]), [['create', 'curl']]);
});

test('package: deb + name; the name must match the .deb', async (t) => {
  const h = new FakeHost().on('dpkg-deb', { stdout: 'hf-demo\t1.0\n@@installed\n' });
  t.like((await planPackage(h, { deb: '/root/hf.deb', name: 'hf-demo' }))[0], { action: 'create', target: 'hf-demo' });
  await t.throwsAsync(planPackage(h, { deb: '/root/hf.deb', name: 'other' }), { message: /contains package hf-demo, not other/ });
  t.is(h.execs().length, 2, 'one exec per plan: name and update_cache add nothing with deb');
});

test('package: check mode, .deb copied by an earlier task: the name decides', async (t) => {
  const h = new FakeHost({ checkMode: true }).addFile('/root/hf.deb', 'predicted').on('dpkg-deb', { code: 3 }).on('dpkg-query', { stdout: '', code: 1 });
  t.like((await planPackage(h, { deb: '/root/hf.deb', name: 'hf-demo' }))[0], { action: 'create', kind: 'package', target: 'hf-demo', data: { op: 'deb', deb: '/root/hf.deb' } });
  const installed = new FakeHost({ checkMode: true }).addFile('/root/hf.deb', 'p').on('dpkg-deb', { code: 3 }).on('dpkg-query', { stdout: 'hf-demo\tinstall ok installed\t1.0\n' });
  t.deepEqual(await planPackage(installed, { deb: '/root/hf.deb', name: 'hf-demo' }), []);
});
