import test from 'ava';
import { InputError } from '../../../src/errors.js';
import { fstabModule } from '../../../src/modules/fstab.js';
import { validator } from '../../../src/playbook/schema.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { plan, runTwice } from '../../helpers/module-run.js';

const FSTAB = 'proc /proc proc defaults 0 0\n/dev/md/2\t/\text4\tdefaults\t0\t0\n';
const CGROUP = 'none /sys/fs/cgroup cgroup blkio,cpuacct,cpu,memory,devices 0 0';

test('fstab: schema', (t) => {
  const v = validator(fstabModule.args as object, false);
  t.true(v({ path: '/', options_present: 'usrjquota=aquota.user,jqfmt=vfsv1' }));
  t.true(v({ line: CGROUP }));
  t.true(v({ path: '/srv', src: '/dev/sdb1', fstype: 'xfs', opts: 'noatime', dump: 0, passno: '2' }));
  t.false(v({ line: CGROUP, path: '/x' }));
  t.false(v({ line: CGROUP, opts: 'x' }));
  t.false(v({ path: '/', opts: 'a', options_present: 'b' }));
  t.false(v({ path: '/', src: 'a b' }));
  t.false(v({}));
});

test('fstab: quota options then the cgroup line, each twice', async (t) => {
  const host = new FakeHost({ files: { '/etc/fstab': FSTAB } });
  const a = await runTwice(fstabModule, host, { path: '/', options_present: 'usrjquota=aquota.user,jqfmt=vfsv1' });
  t.is(a.first.length, 1);
  t.deepEqual(a.second, []);
  const b = await runTwice(fstabModule, host, { line: CGROUP });
  t.is(b.first.length, 1);
  t.deepEqual(b.second, []);
  t.is(host.text('/etc/fstab'), `proc /proc proc defaults 0 0\n/dev/md/2\t/\text4\tdefaults,usrjquota=aquota.user,jqfmt=vfsv1\t0\t0\n${CGROUP}\n`);
});

test('fstab: remount runs after an options change, not when in state', async (t) => {
  const host = new FakeHost({ files: { '/etc/fstab': FSTAB } });
  host.on('mountpoint -q -- /; then mount -o remount /', { code: 0 });
  const args = { path: '/', options_present: ['noatime'], remount: true };
  const first = await plan(fstabModule, host, args);
  t.deepEqual(
    first.map((c) => c.kind),
    ['file', 'command'],
  );
  const { second } = await runTwice(fstabModule, host, args);
  t.deepEqual(second, []);
  t.true(host.execs().some((e) => e.includes('mount -o remount /')));
  host.clearLog();
  t.deepEqual(await plan(fstabModule, host, args), []);
});

test('fstab: a new entry needs src and fstype', async (t) => {
  const host = new FakeHost({ files: { '/etc/fstab': FSTAB } });
  await t.throwsAsync(plan(fstabModule, host, { path: '/srv', options_present: ['noatime'] }), { instanceOf: InputError });
});

test('fstab: state absent', async (t) => {
  const host = new FakeHost({ files: { '/etc/fstab': `${FSTAB}${CGROUP}\n` } });
  const { first, second } = await runTwice(fstabModule, host, { path: '/sys/fs/cgroup', state: 'absent' });
  t.is(first.length, 1);
  t.deepEqual(second, []);
  t.is(host.text('/etc/fstab'), FSTAB);
});
